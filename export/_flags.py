"""Flags shared by the exporters (one exporter runs per process)."""

from absl import flags

MODEL = flags.DEFINE_string("model", None,
                            "Geometry export directory (vae.keras, stats.json), e.g. "
                            "tf_deepexag/assets/vae_synthetic.")
STYLE = flags.DEFINE_string("style", "none",
                            "Style generator: 'cartoongan:<style>' (a shipped CartoonGAN "
                            "style, e.g. cartoongan:shinkai, or a converted .npz), a "
                            "U-GAT-IT generator .keras file, or 'none'.")
OUT = flags.DEFINE_string("out", None, "Output directory (required; e.g. under runs/).")
flags.mark_flags_as_required(["model", "out"])
