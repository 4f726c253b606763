"""Converts the authors' CartoonGAN arrays into a weights asset.

Usage:
    python -m tf_deepexag.style.convert_cartoongan \
        <clone>/style_transfer/cartoongan/pretrained_weights/shinkai \
        --out tf_deepexag/assets/cartoongan/shinkai.npz

The input folder holds one `<layer>.<weight|bias|scale|shift>.npy` per
parameter in PyTorch layout (mnicnc404/CartoonGan-tensorflow, Apache-2.0,
extracted from the authors' MIT-licensed models). The output is read by
`style.make_stylizer("cartoongan:<file.npz>")`; a file named
`<style>.npz` under `tf_deepexag/assets/cartoongan/` is a shipped style,
`cartoongan:<style>`. The library function is
`style.cartoongan_weights.convert`.
"""

from absl import app, flags

from tf_deepexag.style import cartoongan_weights

_OUT = flags.DEFINE_string("out", None, "The .npz weights file to write.")
_DTYPE = flags.DEFINE_enum("dtype", "float16", ["float16", "float32"],
                           "Storage type of the weights (the network computes in float32).")
_STYLE = flags.DEFINE_string("style", None,
                             "Style name stored in the file. Default: the folder's name.")


def main(argv):
    if len(argv) != 2:
        raise app.UsageError("Give exactly one folder of per-layer .npy arrays, got "
                             f"{argv[1:]}.")
    if not _OUT.value.endswith(".npz"):
        raise app.UsageError(f"--out must name a .npz file, got {_OUT.value!r}.")
    try:
        meta = cartoongan_weights.convert(argv[1], _OUT.value, style=_STYLE.value,
                                          dtype=_DTYPE.value)
    except (FileNotFoundError, ValueError) as e:
        raise app.UsageError(str(e)) from e
    print(f"Wrote {_OUT.value}: style {meta['style']}, {meta['num_params']:,} parameters "
          f"as {meta['dtype']}, {meta['bytes'] / 1e6:.1f} MB.")


if __name__ == "__main__":
    flags.mark_flags_as_required(["out"])
    app.run(main)
