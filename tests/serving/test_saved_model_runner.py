"""`SavedModelRunner`: signature inputs checked in Python, errors naming the input."""

import numpy as np
import pytest
import tensorflow as tf

from tests.exported_models import photo_points
from tf_deepexag.serving import SavedModelRunner

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runner(saved_model_version):
    return SavedModelRunner(saved_model_version)


def test_runs_and_matches_the_raw_signature(runner, saved_model_version):
    points = photo_points()
    raw = tf.saved_model.load(saved_model_version).signatures["exaggerate"]
    want = raw(photo_points=tf.constant(points), temperature=tf.constant(0.5),
               seed=tf.constant(7, tf.int64))["caricature_points"].numpy()
    # Python numbers and lists carry no dtype: converted, as REST JSON is.
    got = runner("exaggerate", photo_points=points.tolist(), temperature=0.5, seed=7)
    np.testing.assert_array_equal(got["caricature_points"], want)
    got = runner("exaggerate", photo_points=tf.constant(points),
                 temperature=np.float32(0.5), seed=np.int64(7))
    np.testing.assert_array_equal(got["caricature_points"], want)
    assert runner.signature_names == ("caricature", "exaggerate", "serving_default",
                                      "stylize")
    assert runner.input_specs("exaggerate")["seed"].dtype == tf.int64


@pytest.mark.parametrize("inputs,message", [
    (dict(photo_points=np.zeros((1, 68, 2)), temperature=0.5, seed=7),
     "exaggerate: input 'photo_points' must be float32 of shape [?, 68, 2] (? = any), "
     "got float64 of shape [1, 68, 2]."),
    (dict(photo_points=np.zeros((1, 67, 2), np.float32), temperature=0.5, seed=7),
     "exaggerate: input 'photo_points' must be float32 of shape [?, 68, 2] (? = any), "
     "got float32 of shape [1, 67, 2]."),
    (dict(photo_points=np.zeros((1, 68, 2), np.float32), temperature=0.5,
          seed=np.int32(7)),
     "exaggerate: input 'seed' must be int64 of shape [] (? = any), got int32 of "
     "shape []."),
    (dict(photo_points=np.zeros((1, 68, 2), np.float32), temperature=[0.5], seed=7),
     "exaggerate: input 'temperature' must be float32 of shape [] (? = any), got "
     "float32 of shape [1]."),
    (dict(photo_points=np.zeros((1, 68, 2), np.float32), temperature=0.5),
     "exaggerate: inputs must be ['photo_points', 'seed', 'temperature']; unknown [], "
     "missing ['seed']."),
])
def test_bad_inputs_name_the_input_dtype_and_shape(runner, inputs, message):
    with pytest.raises(ValueError) as info:
        runner("exaggerate", **inputs)
    assert str(info.value) == message


def test_unconvertible_python_values_name_the_input(runner):
    points = np.zeros((1, 68, 2), np.float32)
    with pytest.raises(ValueError, match=r"^exaggerate: input 'seed' must be int64 .*7\.5"):
        runner("exaggerate", photo_points=points, temperature=0.5, seed=7.5)
    with pytest.raises(ValueError, match=r"^exaggerate: input 'temperature' must be float32"):
        runner("exaggerate", photo_points=points, temperature="hot", seed=7)
    with pytest.raises(ValueError, match=r"^caricature: input 'image' must be uint8 .*range"):
        runner("caricature", image=[[[[300, 0, 0]]]], photo_points=points, strength=1.0)
    with pytest.raises(ValueError, match="no signature 'predict'"):
        runner("predict", photo_points=points)


def test_bad_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        SavedModelRunner(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="is not a SavedModel"):
        SavedModelRunner(tmp_path)
