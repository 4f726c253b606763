"""Flags shared by the exporters (defined only when run as a program, so both
exporters can be imported in one process)."""

from absl import flags


def define_common_flags(out_default, out_help):
    """`--model` (required), `--style` and `--out`."""
    flags.DEFINE_string("model", None, "Geometry export directory (vae.keras, stats.json).")
    flags.DEFINE_string("style", "none", "U-GAT-IT generator .keras file, or 'none'.")
    flags.DEFINE_string("out", out_default, out_help)
    flags.mark_flag_as_required("model")
