"""Tests of `app.render`: the sample grid and PNG encoding."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tf_deepexag.app import render


def _tiles(n, h=10, w=20):
    return [np.full((h, w, 3), 10 * (k + 1), np.uint8) for k in range(n)]


def test_one_image_is_its_own_grid():
    tile = _tiles(1)[0]
    assert render.grid([tile]) is tile


def test_grid_places_tiles_row_major_with_white_gaps():
    out = render.grid(_tiles(5), columns=4, gap=2)
    assert out.shape == (2 * 10 + 2, 4 * 20 + 3 * 2, 3)
    for k in range(5):
        r, c = divmod(k, 4)
        y, x = r * 12, c * 22
        np.testing.assert_array_equal(out[y:y + 10, x:x + 20], 10 * (k + 1))
    np.testing.assert_array_equal(out[10:12], 255)            # gap between rows
    np.testing.assert_array_equal(out[12:, 22:], 255)         # empty cells of row 2


def test_grid_is_shrunk_to_the_longest_side():
    out = render.grid(_tiles(4, 100, 100), columns=4, max_side=200, gap=0)
    assert max(out.shape[:2]) <= 200 and out.shape[1] == 200


def test_grid_needs_one_shape():
    with pytest.raises(ValueError, match="one shape"):
        render.grid([np.zeros((2, 2, 3), np.uint8), np.zeros((3, 2, 3), np.uint8)])


def test_png_and_data_url_round_trip_rgb():
    image = np.random.default_rng(0).integers(0, 255, (7, 9, 3), np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(render.encode_png(image))))
    np.testing.assert_array_equal(decoded, image)
    url = render.data_url(image)
    assert url.startswith("data:image/png;base64,")
    again = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    np.testing.assert_array_equal(again, image)
