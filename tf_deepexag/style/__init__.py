"""Step 4: the style. CartoonGAN (shipped), U-GAT-IT (trainable), classic stylizers."""

from tf_deepexag.style.blocks import ResnetAdaLINBlock, ResnetBlock
from tf_deepexag.style.cam import CAM
from tf_deepexag.style.cartoongan import CartoonGANGenerator, CartoonGANInstanceNorm
from tf_deepexag.style.config import UGATITConfig, discriminator_output_side
from tf_deepexag.style.discriminator import UGATITDiscriminator
from tf_deepexag.style.generator import UGATITGenerator
from tf_deepexag.style.model import UGATIT
from tf_deepexag.style.norm import ILN, AdaLIN, ClipRho
from tf_deepexag.style.processing import to_model_input, to_uint8
from tf_deepexag.style.schedule import LinearDecaySchedule
from tf_deepexag.style.spectral import SpectralConv2D, SpectralDense
from tf_deepexag.style.cartoongan_weights import SHIPPED_STYLES
from tf_deepexag.style.stylizers import (DEFAULT_STYLE, STYLE_SPECS, CartoonGANStylizer,
                                         CartoonStylizer, IdentityStylizer,
                                         SketchStylizer, StylizationStylizer,
                                         Stylizer, UGATITStylizer,
                                         load_generator, make_stylizer)

__all__ = [
    "AdaLIN", "CAM", "CartoonGANGenerator", "CartoonGANInstanceNorm",
    "CartoonGANStylizer", "CartoonStylizer", "ClipRho", "DEFAULT_STYLE", "ILN", "IdentityStylizer",
    "LinearDecaySchedule", "ResnetAdaLINBlock", "ResnetBlock", "SHIPPED_STYLES",
    "STYLE_SPECS", "SketchStylizer",
    "SpectralConv2D", "SpectralDense", "StylizationStylizer", "Stylizer",
    "UGATIT", "UGATITConfig", "UGATITDiscriminator", "UGATITGenerator",
    "UGATITStylizer", "discriminator_output_side", "load_generator",
    "make_stylizer", "to_model_input", "to_uint8",
]
