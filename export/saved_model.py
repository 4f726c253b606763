"""Exports the pipeline as a versioned SavedModel for TensorFlow Serving.

Usage:
    python -m export.saved_model --model tf_deepexag/assets/vae_synthetic \
        --style cartoongan:shinkai --out runs/export/saved_model

Writes `<out>/<version>/`, the version the next free integer unless
`--version` is given (see `tf_deepexag.export.saved_model`). Signatures
(`tf_deepexag.export.ServingModule`):
    exaggerate       photo_points f32 [B,68,2], eps_z f32 [B,Z], uniforms and
                     normals f32 [B,68,2], temperature f32 [], strength f32 []
                     -> caricature_points f32 [B,68,2]; the noise from
                     `tf_deepexag.geometry.draw_noise` (what
                     `tf_deepexag.serving.SavedModelExaggerator` sends),
                     temperature <= 0 deterministic.
    serving_default  photo_points -> caricature_points, deterministic.
    stylize          images u8 [B,H,W,3] -> images u8 [B,H,W,3] (with --style:
                     'cartoongan:<style>' at the images' own size, or a
                     U-GAT-IT generator .keras file at its side and back).
    caricature       image u8 [1,H,W,3], photo_points f32 [1,68,2], strength
                     f32 [] -> caricature u8 [1,H,W,3], caricature_points.
"""

from tf_deepexag.cli import absl_main

absl_main.start()  # TensorFlow's start-up lines stay off stderr
from absl import app, flags  # noqa: E402

from export import _flags  # noqa: E402
from tf_deepexag.export import export_saved_model  # noqa: E402

_VERSION = flags.DEFINE_integer("version", None, "Version number (default: the next "
                                "free one).")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    path = export_saved_model(_flags.MODEL.value, _flags.OUT.value, _flags.STYLE.value,
                              _VERSION.value)
    print(f"wrote {path}")


if __name__ == "__main__":
    absl_main.run(main)
