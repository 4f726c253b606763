"""End-to-end tests of the pipeline and `caricature` CLI on the astronaut photo.

Most use the EDFM geometry (deterministic, fitted in the test) with the real
detector, warp and a classic style; the `vae_artist` tests run the built-in
model the defaults use.
"""

import os

import numpy as np
import pytest
from skimage import data as skdata

from tf_deepexag import __main__ as cli
from tf_deepexag import fileio, pipeline

pytestmark = pytest.mark.slow
ASTRONAUT = skdata.astronaut()


@pytest.fixture(scope="module")
def artist():
    return pipeline.build_caricaturist(geometry="edfm", style="none")


def _displacement(result):
    return np.linalg.norm(result.generated_points - result.photo_points, axis=-1).mean()


def test_geometry_moves_in_proportion_to_strength(artist):
    one = artist(ASTRONAUT, strength=1.0)[0]
    two = artist(ASTRONAUT, strength=2.0)[0]
    assert _displacement(one) > 0.5  # pixels in the 512-px crop: it does exaggerate
    assert _displacement(two) == pytest.approx(2 * _displacement(one), rel=1e-4)
    # EDFM with the fitted factor k moves each point by (k - 1) times its
    # deviation from the mean face: check against the baseline directly.
    edfm = pipeline.builtin_edfm()
    expected = edfm(one.photo_points[None])[0]
    np.testing.assert_allclose(one.generated_points, expected, atol=1e-3)


def test_strength_zero_keeps_the_photo_geometry(artist):
    result = artist(ASTRONAUT, strength=0.0)[0]
    np.testing.assert_array_equal(result.generated_points, result.photo_points)
    assert np.abs(result.warped.astype(int) - result.photo).max() <= 1


def test_warp_moves_the_face_onto_the_new_landmarks(artist):
    result = artist(ASTRONAUT, strength=2.0)[0]
    changed = np.abs(result.warped.astype(int) - result.photo).mean()
    assert changed > 1.0
    # The border of the crop stays where it was.
    assert np.abs(result.warped[:3].astype(int) - result.photo[:3]).mean() < 1.0


def test_same_seed_gives_identical_output(artist):
    a = artist(ASTRONAUT, strength=1.0, seed=3)[0]
    b = artist(ASTRONAUT, strength=1.0, seed=3)[0]
    np.testing.assert_array_equal(a.caricature, b.caricature)


def test_cli_folder_with_a_broken_image_and_a_faceless_one(tmp_path, capsys):
    photos = tmp_path / "photos"
    fileio.write_image(photos / "astronaut.png", ASTRONAUT)
    fileio.write_image(photos / "blank.png", np.full((200, 200, 3), 128, np.uint8))
    (photos / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    out = tmp_path / "out"
    code = cli.main(["caricature", str(photos), "-o", str(out), "--geometry", "edfm",
                     "--style", "sketch", "--figure"])
    printed = capsys.readouterr().out
    assert code == 0
    assert sorted(f for f in os.listdir(out) if f[0] != ".") == [  # records are hidden
        "astronaut_caricature.png", "astronaut_figure.png"]
    assert "1 caricature(s) written" in printed and "2 failed" in printed
    assert "broken.jpg" in printed and "blank.png" in printed
    figure = fileio.read_image(out / "astronaut_figure.png")
    assert figure.shape[1] == 4 * figure.shape[0]


def test_cli_no_face_is_a_clear_error_with_exit_1(tmp_path, capsys):
    blank = tmp_path / "blank.png"
    fileio.write_image(blank, np.full((120, 160, 3), 90, np.uint8))
    code = cli.main(["caricature", str(blank), "-o", str(tmp_path / "o"), "--geometry",
                     "edfm", "--style", "none", "--on_error", "fail"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and "blank.png" in err
    assert "Traceback" not in err


def test_cli_rejects_bad_arguments(tmp_path, capsys):
    assert cli.main(["caricature", str(tmp_path / "none.jpg"), "-o", str(tmp_path)]) == 1
    assert "No such photo or folder" in capsys.readouterr().err
    assert cli.main(["caricature", str(tmp_path), "-o", str(tmp_path), "--geometry",
                     "magic"]) == 1


def test_grayscale_and_rgba_photos_work(artist):
    gray = ASTRONAUT.mean(axis=-1).astype(np.uint8)
    rgba = np.concatenate([ASTRONAUT, np.full((512, 512, 1), 255, np.uint8)], -1)
    for image in (gray, rgba):
        result = artist(image, strength=1.0)[0]
        assert result.caricature.shape == (512, 512, 3)


@pytest.fixture(scope="module")
def vae_artist():
    """The defaults' geometry: the VAE shipped in the package."""
    return pipeline.build_caricaturist(geometry="vae", style="none")


def test_default_geometry_is_the_builtin_vae(vae_artist):
    from tf_deepexag import geometry  # pylint: disable=import-outside-toplevel

    result = vae_artist(ASTRONAUT, strength=1.0, temperature=0.0)[0]
    expected = geometry.load_exaggerator().exaggerate(result.photo_points,
                                                      temperature=0.0)[0]
    np.testing.assert_allclose(result.generated_points, expected, atol=1e-3)
    # It is the model, not a baseline in its place.
    edfm = pipeline.builtin_edfm()(result.photo_points[None])[0]
    assert np.abs(result.generated_points - edfm).max() > 0.5


def test_builtin_vae_strength_scales_its_exaggeration(vae_artist):
    one = vae_artist(ASTRONAUT, strength=1.0, temperature=0.0)[0]
    two = vae_artist(ASTRONAUT, strength=2.0, temperature=0.0)[0]
    zero = vae_artist(ASTRONAUT, strength=0.0, temperature=0.0)[0]
    # A face of about 200 px in the 512-px crop moves by a few pixels.
    assert 1.0 < _displacement(one) < 20.0
    # Twice as far, unless the fold guard shrank the strength-2 map (it logs
    # and records its factor on the map: plane_map.unfolded).
    assert one.plane_map.shrink == 1.0
    assert 0.4 < two.plane_map.shrink <= 1.0
    assert _displacement(two) == pytest.approx(
        2 * two.plane_map.shrink * _displacement(one), rel=1e-3)
    np.testing.assert_allclose(zero.generated_points, zero.photo_points, atol=1e-3)


def test_builtin_vae_same_seed_same_sample(vae_artist):
    a = vae_artist(ASTRONAUT, strength=1.0, temperature=0.5, seed=4)[0]
    b = vae_artist(ASTRONAUT, strength=1.0, temperature=0.5, seed=4)[0]
    c = vae_artist(ASTRONAUT, strength=1.0, temperature=0.5, seed=5)[0]
    np.testing.assert_array_equal(a.generated_points, b.generated_points)
    assert np.abs(a.generated_points - c.generated_points).max() > 1e-3


def test_missing_model_directory_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="vae.keras"):
        pipeline.build_geometry(f"vae:{tmp_path}")


def test_cli_samples_differ_by_default(tmp_path):
    # One sample is deterministic (tests/test_pipeline.py checks the rule);
    # --samples N without --temperature samples at 1, so the N differ.
    photo = tmp_path / "astronaut.png"
    fileio.write_image(photo, ASTRONAUT)
    assert cli.main(["caricature", str(photo), "-o", str(tmp_path / "two"),
                     "--style", "none", "--samples", "2"]) == 0
    first, second = (fileio.read_image(tmp_path / "two" / f"astronaut_caricature_{k}.png")
                     for k in range(2))
    assert np.abs(first.astype(int) - second.astype(int)).max() > 10
