"""The authors' CartoonGAN test network in PyTorch, the numerical reference.

Written from network/Transformer.py and test.py of
Yijunmaverick/CartoonGAN-Test-Pytorch-Torch (MIT): NCHW, PyTorch's own
`ReflectionPad2d`, `Conv2d(padding=1)` and `ConvTranspose2d(3, 2, 1, 1)`
semantics, and the authors' instance norm (torch.var rescaled by
(n - 1) / n, epsilon 1e-9 inside the square root, scale and shift). Used by
tests/style/test_cartoongan_parity.py and bench/style.py; needs torch
(`pip install -e .[eval]`).
"""

import numpy as np
import torch
import torch.nn.functional as F


def _instance_norm(x, scale, shift, eps=1e-9):
    b, c, h, w = x.shape
    n = h * w
    flat = x.reshape(b, c, n)
    mean = flat.mean(2)[:, :, None, None]
    var = flat.var(2)[:, :, None, None] * ((n - 1) / float(n))
    out = (x - mean) / torch.sqrt(var + eps)
    return out * scale[None, :, None, None] + shift[None, :, None, None]


class TorchCartoonGAN:
    """The reference forward pass from a dict of PyTorch-layout arrays.

    Args:
        arrays: dict `"<layer>.<weight|bias|scale|shift>"` -> array (the
            authors' names and layouts), cast to float32.
        n_res: int, residual blocks (8 in the released models; the names
            of the two up-sampling norms follow them: in12_1, in13_1).
    """

    def __init__(self, arrays, n_res=8):
        self.p = {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in arrays.items()}
        self.n_res = n_res

    def _conv(self, name, x, stride=1, padding=0):
        return F.conv2d(x, self.p[f"{name}.weight"], self.p[f"{name}.bias"],
                        stride=stride, padding=padding)

    def _deconv(self, name, x):
        return F.conv_transpose2d(x, self.p[f"{name}.weight"], self.p[f"{name}.bias"],
                                  stride=2, padding=1, output_padding=1)

    def _in(self, name, x):
        return _instance_norm(x, self.p[f"{name}.scale"], self.p[f"{name}.shift"])

    @torch.no_grad()
    def __call__(self, x):
        """x: (B, 3, H, W) float32 BGR in [-1, 1] -> (B, 3, H', W') in [-1, 1]."""
        pad = lambda t, p: F.pad(t, (p, p, p, p), mode="reflect")  # noqa: E731
        y = F.relu(self._in("in01_1", self._conv("conv01_1", pad(x, 3))))
        y = self._conv("conv02_2", self._conv("conv02_1", y, 2, 1), 1, 1)
        y = F.relu(self._in("in02_1", y))
        y = self._conv("conv03_2", self._conv("conv03_1", y, 2, 1), 1, 1)
        t = F.relu(self._in("in03_1", y))
        for k in range(4, 4 + self.n_res):
            y = F.relu(self._in(f"in{k:02d}_1", self._conv(f"conv{k:02d}_1", pad(t, 1))))
            t = self._in(f"in{k:02d}_2", self._conv(f"conv{k:02d}_2", pad(y, 1))) + t
        y = self._conv("deconv01_2", self._deconv("deconv01_1", t), 1, 1)
        y = F.relu(self._in(f"in{self.n_res + 4:02d}_1", y))
        y = self._conv("deconv02_2", self._deconv("deconv02_1", y), 1, 1)
        y = F.relu(self._in(f"in{self.n_res + 5:02d}_1", y))
        return torch.tanh(self._conv("deconv03_1", pad(y, 3)))

    def stylize(self, image):
        """uint8 RGB (H, W, 3) -> uint8 RGB, test.py's pre- and post-processing."""
        bgr = np.ascontiguousarray(image[:, :, [2, 1, 0]])
        x = torch.from_numpy(bgr).permute(2, 0, 1).float().div(255)[None]  # ToTensor
        out = self(-1 + 2 * x)[0][[2, 1, 0]] * 0.5 + 0.5
        out = out.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0)  # save_image
        return out.to(torch.uint8).numpy()
