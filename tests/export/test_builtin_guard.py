"""The shipped model's SavedModel applies the library's fold guard (`plane_map.unfolded`)."""

import numpy as np
import pytest
import tensorflow as tf

from tests.exported_models import photo_points, psnr
from tf_deepexag import plane_map
from tf_deepexag.export import export_saved_model
from tf_deepexag.geometry import builtin_model_dir, load_exaggerator
from tf_deepexag.warp import warp_face

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def signatures(tmp_path_factory):
    version = export_saved_model(builtin_model_dir("autotoon"),
                                 str(tmp_path_factory.mktemp("builtin_sm")))
    return tf.saved_model.load(version).signatures


def _faces():
    """The astronaut and a smaller, turned copy with its mouth's corners pulled in: `(2, 68, 2)`."""
    base = photo_points()[0]
    centre = base.mean(0)
    c, s = np.cos(0.15), np.sin(0.15)
    other = centre + 0.8 * (base - centre) @ np.array([[c, s], [-s, c]], np.float32)
    other[[48, 54]] += (other[[54, 48]] - other[[48, 54]]) * 0.1
    return np.stack([base, other]).astype(np.float32)


def test_controls_are_the_guarded_targets(signatures):
    faces = _faces()
    exaggerator = load_exaggerator("autotoon")
    folded = 0
    for strength in (1.0, 2.0):
        out = signatures["controls"](
            photo_points=tf.constant(faces), eps_z=tf.zeros([2, exaggerator.graph.z_size]),
            uniforms=tf.zeros([2, exaggerator.graph.num_steps, 2]),
            normals=tf.zeros([2, exaggerator.graph.num_steps, 2]),
            temperature=tf.constant(0.0), strength=tf.constant(strength))
        for face, got in zip(faces, out["control_targets"].numpy()):
            source, raw = exaggerator.controls(face, strength=strength)
            plane = plane_map.unfolded(source, raw[0])
            assert np.max(np.abs(got[:len(source)] - plane.control_target)) < 1e-3, strength
            folded += plane.shrink < 1.0
            assert plane.min_jacobian_determinant(num=plane_map.GUARD_GRID) >= (
                plane_map.MIN_DETERMINANT - 1e-9)
    assert folded >= 1  # the raw map folded somewhere and the graph shrank it as NumPy did


def test_caricature_warps_by_the_guarded_map(signatures):
    face = _faces()[0]
    exaggerator = load_exaggerator("autotoon")
    # A smooth image: sub-pixel differences of the warp stay sub-grey-level.
    yy, xx = np.mgrid[0:512, 0:512].astype(np.float32)
    image = np.stack([127 + 100 * np.sin(xx / 23.0), 127 + 100 * np.cos(yy / 31.0),
                      (xx + yy) * 0.2], -1).astype(np.uint8)
    out = signatures["caricature"](image=tf.constant(image[None]),
                                   photo_points=tf.constant(face[None]),
                                   strength=tf.constant(2.0))
    plane = exaggerator.plane_maps(face, strength=2.0)[0]
    assert plane.shrink < 1.0  # the raw map folds at strength 2
    np.testing.assert_allclose(out["caricature_points"][0], plane.control_target[:68], atol=1e-3)
    want = warp_face(image, plane.source, plane.target, border_points_per_edge=0)
    got = out["caricature"].numpy()[0]
    assert psnr(got, np.asarray(want)) > 40
    source, raw = exaggerator.controls(face, strength=2.0)
    unguarded = plane_map.PlaneMap(source, raw[0])
    folding = warp_face(image, unguarded.source, unguarded.target, border_points_per_edge=0)
    assert psnr(got, np.asarray(folding)) < psnr(got, np.asarray(want)) - 10
