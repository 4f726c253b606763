"""Caricatures that move: the morph of a photo into its caricature."""

from tf_deepexag.motion.morph import FPS
from tf_deepexag.motion.morph import Morph
from tf_deepexag.motion.morph import VideoWriterUnavailableError
from tf_deepexag.motion.morph import displacement_path
from tf_deepexag.motion.morph import encode_mp4
from tf_deepexag.motion.morph import encode_webp
from tf_deepexag.motion.morph import geometry_path
from tf_deepexag.motion.morph import make_morph
from tf_deepexag.motion.morph import mp4_available
from tf_deepexag.motion.morph import write_morph

__all__ = ["FPS", "Morph", "VideoWriterUnavailableError", "displacement_path",
           "encode_mp4", "encode_webp", "geometry_path", "make_morph", "mp4_available", "write_morph"]
