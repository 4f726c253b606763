"""`UGATITConfig`: every setting of a U-GAT-IT run (main.py's defaults)."""

import dataclasses

from tf_deepexag.style.precision import check_policy


def discriminator_output_side(img_size, n_layers):
    """Side of the discriminator's patch map (pad 1, 4x4 kernels)."""
    side = img_size
    for _ in range(n_layers - 2):  # stride-2 convs
        side = (side + 2 - 4) // 2 + 1
        if side < 2:  # reflect padding of 1 needs 2 pixels
            return 0
    for _ in range(2):  # stride-1 conv and the final conv
        side = side + 2 - 4 + 1
        if side < 1:
            return 0
    return side


@dataclasses.dataclass(frozen=True)
class UGATITConfig:
    """U-GAT-IT hyper-parameters; defaults are main.py of UGATIT-pytorch."""

    light: bool = False            # light variant: MLP on pooled features
    img_size: int = 256            # square training/translation side
    load_size: int = 286           # resize before the random crop (img_size + 30)
    ngf: int = 64                  # generator base channels (`--ch`)
    ndf: int = 64                  # discriminator base channels (`--ch`)
    n_res: int = 4                 # residual blocks in encoder and decoder
    n_dis_global: int = 7          # global discriminator layers (UGATIT.py: 7)
    n_dis_local: int = 5           # local discriminator layers (UGATIT.py: 5)
    batch_size: int = 1            # global images per domain per step
    num_steps: int = 1_000_000     # training iterations (`--iteration`)
    lr: float = 1e-4               # Adam learning rate for G and D
    beta_1: float = 0.5            # Adam beta1
    beta_2: float = 0.999          # Adam beta2
    weight_decay: float = 1e-4     # L2 added to gradients (torch Adam weight_decay)
    decay_flag: bool = True        # linear lr decay over the second half
    adv_weight: float = 1.0        # LSGAN adversarial loss weight
    cycle_weight: float = 10.0     # cycle-consistency L1 weight
    identity_weight: float = 10.0  # identity L1 weight
    cam_weight: float = 1000.0     # generator CAM BCE weight
    seed: int = 0                  # data order/augmentation and weight init seed
    # Keras dtype policy of the networks (`style.precision`): "float32" (the
    # original), "mixed_bfloat16" or "mixed_float16" (with loss scaling).
    # Variables stay float32 under all three.
    mixed_precision: str = "float32"

    def __post_init__(self):
        for name in ("img_size", "load_size", "ngf", "ndf", "batch_size",
                     "num_steps"):
            if getattr(self, name) <= 0:
                raise ValueError(f"`{name}` must be positive, got "
                                 f"{getattr(self, name)}.")
        if self.img_size % 4:
            raise ValueError(f"`img_size` must be a multiple of 4, got "
                             f"{self.img_size}.")
        if self.load_size < self.img_size:
            raise ValueError(f"`load_size` ({self.load_size}) must be >= "
                             f"`img_size` ({self.img_size}).")
        if self.n_res < 0:
            raise ValueError(f"`n_res` must be >= 0, got {self.n_res}.")
        for name in ("n_dis_global", "n_dis_local"):
            side = discriminator_output_side(self.img_size, getattr(self, name))
            if side < 1:
                raise ValueError(
                    f"`{name}`={getattr(self, name)} is too deep for `img_size`="
                    f"{self.img_size}: the patch map would be {side} pixels "
                    "wide; use fewer layers or larger images.")
        if self.lr <= 0:
            raise ValueError(f"`lr` must be positive, got {self.lr}.")
        check_policy(self.mixed_precision)

    def to_dict(self):
        return dataclasses.asdict(self)
