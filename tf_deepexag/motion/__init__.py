"""Caricatures that move: the morph of a photo into its caricature, and video clips.

The clip caricaturist (`motion.video`: `VideoCaricaturist`, `caricature_clip`,
`ClipReport`) imports TensorFlow through the pipeline, so it is imported by
name, not here: the CLI reads clips and checks flags before TensorFlow loads.
"""

from tf_deepexag.motion.clip_io import ClipInfo
from tf_deepexag.motion.clip_io import ClipWriter
from tf_deepexag.motion.clip_io import VideoReadError
from tf_deepexag.motion.clip_io import VideoTooLargeError
from tf_deepexag.motion.clip_io import looks_like_video
from tf_deepexag.motion.clip_io import open_clip
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
from tf_deepexag.motion.tracking import FaceTrack
from tf_deepexag.motion.tracking import FaceTracker
from tf_deepexag.motion.tracking import OneEuroFilter

__all__ = ["ClipInfo", "ClipWriter", "FPS", "FaceTrack", "FaceTracker", "Morph",
           "OneEuroFilter", "VideoReadError", "VideoTooLargeError",
           "VideoWriterUnavailableError", "displacement_path", "encode_mp4",
           "encode_webp", "geometry_path", "looks_like_video", "make_morph", "mp4_available",
           "open_clip", "write_morph"]
