"""Writes tests/data/cartoongan/<style>_astronaut.png with the reference network.

The reference outputs of test_cartoongan_parity.py's float16-storage check:
the authors' network (torch_cartoongan.py) with the authors' float32 arrays
on the test's astronaut crop. Run once per shipped style, from the repo root:

    python -m tests.style.make_cartoongan_references \
        <CartoonGan-tensorflow clone>/style_transfer/cartoongan/pretrained_weights
"""

import os
import sys

from tests.style import test_cartoongan_parity as parity
from tests.style.torch_cartoongan import TorchCartoonGAN
from tf_deepexag import fileio
from tf_deepexag.style import cartoongan_weights
from tf_deepexag.style.cartoongan import CartoonGANGenerator


def main(root):
    names = CartoonGANGenerator().layer_names()
    for style in cartoongan_weights.SHIPPED_STYLES:
        arrays = cartoongan_weights.read_torch_arrays(os.path.join(root, style), names)
        out = TorchCartoonGAN(arrays).stylize(parity.PHOTO)
        path = os.path.join(parity.REFERENCE_DIR, f"{style}_astronaut.png")
        fileio.write_image(path, out)
        print("wrote", path, out.shape)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
