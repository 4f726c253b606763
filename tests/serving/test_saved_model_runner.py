"""`SavedModelRunner`: signature inputs checked in Python, errors naming the input."""

import numpy as np
import pytest
import tensorflow as tf

from tests.exported_models import photo_points
from tf_deepexag.geometry import draw_noise
from tf_deepexag.serving import SavedModelRunner

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runner(saved_model_version):
    return SavedModelRunner(saved_model_version)


def _inputs(**changes):
    eps_z, uniforms, normals = draw_noise(7, 1, 4, 68)
    good = dict(photo_points=photo_points(), eps_z=eps_z, uniforms=uniforms,
                normals=normals, temperature=np.float32(0.5), strength=np.float32(1.0))
    good.update(changes)
    return {k: v for k, v in good.items() if v is not None}


def test_runs_and_matches_the_raw_signature(runner, saved_model_version):
    raw = tf.saved_model.load(saved_model_version).signatures["exaggerate"]
    want = raw(**{k: tf.constant(v) for k, v in _inputs().items()})[
        "caricature_points"].numpy()
    # Python numbers and lists carry no dtype: converted, as REST JSON is.
    lists = {k: np.asarray(v).tolist() for k, v in _inputs().items()}
    got = runner("exaggerate", **dict(lists, temperature=0.5, strength=1))
    np.testing.assert_array_equal(got["caricature_points"], want)
    got = runner("exaggerate", **dict(_inputs(), photo_points=tf.constant(photo_points())))
    np.testing.assert_array_equal(got["caricature_points"], want)
    assert runner.signature_names == ("caricature", "controls", "exaggerate",
                                      "serving_default", "stylize")
    assert runner.input_specs("exaggerate")["eps_z"].shape.as_list() == [None, 4]


def test_map_points_is_the_python_map(runner, tiny_artifacts):
    # Parity Python (`Exaggerator.map_points`) vs the SavedModel-backed
    # exaggerator through the shared NumPy map, on the landmarks and between.
    from tests.exported_models import STATS, face_size  # pylint: disable=g-import-not-at-top
    from tf_deepexag import plane_map  # pylint: disable=g-import-not-at-top
    from tf_deepexag.geometry import Exaggerator  # pylint: disable=g-import-not-at-top
    from tf_deepexag.serving import SavedModelExaggerator  # pylint: disable=g-import-not-at-top

    points = photo_points()[0]
    centre, size, _ = plane_map.face_frame(points)
    queries = np.concatenate([points[::9], centre + size * np.array(
        [[0.0, -2.2], [-1.8, 0.4], [1.1, 1.9], [0.0, 6.0]])])
    python, saved = Exaggerator(tiny_artifacts[2], STATS), SavedModelExaggerator(runner)
    tol = 1e-4 * face_size(points)
    for kwargs in ({"strength": 2.0}, {"num_samples": 2, "temperature": 0.8, "seed": 4}):
        want = python.map_points(points, queries, **kwargs)
        got = saved.map_points(points, queries, **kwargs)
        assert got.shape == want.shape
        assert np.max(np.abs(got - want)) < tol, kwargs
    # On the landmarks: the controls as the fold guard leaves them (the tiny
    # random model's maps fold; `exaggerate` where the guard changed nothing).
    planes = python.plane_maps(points, num_samples=2, temperature=0.8, seed=4)
    np.testing.assert_allclose(got[:, :8], [p.control_target[:68:9] for p in planes], atol=tol)
    raw = python.exaggerate(points, num_samples=2, temperature=0.8, seed=4)
    for plane, mapped, drawn in zip(planes, got, raw):
        if plane.shrink == 1.0 and plane.merged == 0:
            np.testing.assert_allclose(mapped[:8], drawn[::9], atol=tol)
    # The `controls` signature: the controls, then the face frame's pins.
    zeros = np.zeros((1, 68, 2), np.float32)
    out = runner("controls", photo_points=points[None], eps_z=np.zeros((1, 4), np.float32),
                 uniforms=zeros, normals=zeros, temperature=0.0, strength=1.0)
    np.testing.assert_allclose(out["control_points"][0, 68:],
                               plane_map.pinned_points(points), atol=1e-3)
    np.testing.assert_allclose(out["control_targets"][0, 68:],
                               plane_map.pinned_points(points), atol=1e-3)
    # Its targets went through the fold guard in the graph: NumPy's `unfolded`
    # of the raw controls (the tiny random model's map folds).
    guarded = plane_map.unfolded(points, python.exaggerate(points)[0])
    np.testing.assert_allclose(out["control_targets"][0, :68], guarded.control_target,
                               atol=1e-3)


@pytest.mark.parametrize("changes,message", [
    (dict(photo_points=np.zeros((1, 68, 2))),
     "exaggerate: input 'photo_points' must be float32 of shape [?, 68, 2] (? = any), "
     "got float64 of shape [1, 68, 2]."),
    (dict(photo_points=np.zeros((1, 67, 2), np.float32)),
     "exaggerate: input 'photo_points' must be float32 of shape [?, 68, 2] (? = any), "
     "got float32 of shape [1, 67, 2]."),
    (dict(eps_z=np.zeros((1, 4), np.float16)),
     "exaggerate: input 'eps_z' must be float32 of shape [?, 4] (? = any), got float16 of "
     "shape [1, 4]."),
    (dict(temperature=[0.5]),
     "exaggerate: input 'temperature' must be float32 of shape [] (? = any), got "
     "float32 of shape [1]."),
    (dict(strength=None),
     "exaggerate: inputs must be ['eps_z', 'normals', 'photo_points', 'strength', "
     "'temperature', 'uniforms']; unknown [], missing ['strength']."),
])
def test_bad_inputs_name_the_input_dtype_and_shape(runner, changes, message):
    with pytest.raises(ValueError) as info:
        runner("exaggerate", **_inputs(**changes))
    assert str(info.value) == message


def test_unconvertible_python_values_name_the_input(runner):
    points = np.zeros((1, 68, 2), np.float32)
    with pytest.raises(ValueError, match=r"^exaggerate: input 'temperature' must be float32"):
        runner("exaggerate", **_inputs(temperature="hot"))
    with pytest.raises(ValueError, match=r"^caricature: input 'image' must be uint8 .*range"):
        runner("caricature", image=[[[[300, 0, 0]]]], photo_points=points, strength=1.0)
    with pytest.raises(ValueError, match="no signature 'predict'"):
        runner("predict", photo_points=points)


def test_bad_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        SavedModelRunner(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="is not a SavedModel"):
        SavedModelRunner(tmp_path)
