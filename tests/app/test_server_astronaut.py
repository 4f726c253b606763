"""HTTP tests of the app with the real pipeline (built-in models) in-process.

One engine for the module: the built-in VAE run eagerly, two classic styles.
"""

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from tests.app import helpers
from tf_deepexag.app import engine as engine_lib
from tf_deepexag.app import server

pytestmark = pytest.mark.slow
ASTRONAUT = skdata.astronaut()
FACELESS = skdata.coffee()  # a cup of coffee on a saucer: a real photo without a face


@pytest.fixture(scope="module")
def client():
    engine = engine_lib.Engine(styles=["sketch", "none"], compile_geometry=False)
    with helpers.client_for(server.create_app(engine)) as c:
        yield c


_image = helpers.png_answer


def _post(client, image=None, data=None, **fields):
    return helpers.post_photo(client, helpers.png_bytes(image) if data is None else data,
                              **fields)


def test_astronaut_gives_a_warped_face_crop(client):
    flat = _image(_post(client, ASTRONAUT, strength=0, style="none"))
    warped = _image(_post(client, ASTRONAUT, strength=2, style="none"))
    assert flat.shape == warped.shape == (512, 512, 3)  # the working face crop
    # Strength 0 keeps the photo's geometry: the crop is the astronaut's face,
    # found in the photo by template matching at the crop's scale.
    assert np.abs(warped.astype(int) - flat).mean() > 2.0  # strength 2 moves pixels
    assert np.abs(warped[:4].astype(int) - flat[:4]).mean() < 1.0  # border pinned


def test_strength_zero_crop_is_the_photo_itself(client):
    import cv2  # pylint: disable=g-import-not-at-top

    flat = _image(_post(client, ASTRONAUT, strength=0, style="none"))
    # The crop is a square of the photo resized to 512 (around the head, so it
    # may leave the photo at the top, padded): find its middle at several scales.
    middle = flat[128:384, 128:384]
    best = 0.0
    for side in range(60, 200, 4):
        small = cv2.resize(middle, (side, side), interpolation=cv2.INTER_AREA)
        score = cv2.matchTemplate(ASTRONAUT, small, cv2.TM_CCOEFF_NORMED).max()
        best = max(best, float(score))
    assert best > 0.95


def test_styles_and_samples(client):
    sketch = _image(_post(client, ASTRONAUT, style="sketch"))
    assert np.abs(sketch[..., 0].astype(int) - sketch[..., 2]).max() == 0  # greyscale
    grid = _image(_post(client, ASTRONAUT, samples=2, temperature=0.5, style="none", seed=1))
    assert grid.shape == (512, 2 * 512 + 8, 3)
    assert np.abs(grid[:, :512].astype(int) - grid[:, 520:]).mean() > 0.5  # they differ


def test_morph_runs_from_the_crop_to_the_still(client):
    import base64  # pylint: disable=g-import-not-at-top

    (sample,) = _post(client, ASTRONAUT, style="sketch", morph=1, format="json").json()[
        "samples"]

    def decode(url, frame=0):
        with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
            image.seek(image.n_frames - 1 if frame == -1 else frame)
            return np.asarray(image.convert("RGB"), float)

    assert sample["morph"].startswith("data:image/webp;base64,")
    # The photo panel is the crop with 68 small landmark dots drawn on it.
    assert np.abs(decode(sample["morph"]) - decode(sample["photo"])).mean() <= 3
    assert np.abs(decode(sample["morph"], -1) - decode(sample["caricature"])).mean() <= 3
    assert np.abs(decode(sample["morph"]) - decode(sample["caricature"])).mean() > 10


def test_json_panels(client):
    answer = _post(client, ASTRONAUT, format="json", style="none").json()
    (sample,) = answer["samples"]
    assert set(sample) == {"photo", "landmarks", "warped", "caricature"}


def test_all_faces_returns_the_whole_photo(client):
    wide = np.concatenate([ASTRONAUT, np.full((512, 200, 3), 255, np.uint8)], axis=1)
    out = _image(_post(client, wide, faces="all", style="none", strength=2))
    assert out.shape == wide.shape
    np.testing.assert_array_equal(out[:, -150:], 255)  # far from the face: untouched
    assert np.abs(out.astype(int) - wide).mean() > 0.2


def test_faceless_photo_is_422(client):
    response = _post(client, FACELESS)
    assert response.status_code == 422 and "No face" in response.json()["error"]


def test_garbage_bytes_are_400(client):
    response = _post(client, data=b"GIF89a but not really" * 10)
    assert response.status_code == 400 and "not an image" in response.json()["error"]


def test_30000_pixel_header_is_413_and_the_server_still_caricatures(client):
    response = _post(client, data=helpers.png_claiming(30000, 30000))
    assert response.status_code == 413
    assert client.get("/healthz").status_code == 200
    _image(_post(client, ASTRONAUT, style="none"))


def test_bad_field_values_are_422(client):
    for fields in ({"strength": "-1"}, {"samples": "0"}, {"style": "cartoongan:nope"},
                   {"temperature": "hot"}):
        response = _post(client, ASTRONAUT, **fields)
        assert response.status_code == 422
        assert next(iter(fields)) in response.json()["error"]
