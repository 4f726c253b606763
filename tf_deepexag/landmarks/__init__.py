"""Landmarks: schemes, `.pts` I/O, stroke-5, alignment and statistics."""

from tf_deepexag.landmarks.alignment import (METHODS as ALIGN_METHODS, align,
                                             apply_similarity,
                                             estimate_similarity,
                                             invert_similarity,
                                             similarity_matrix)
from tf_deepexag.landmarks.pts import (format_pts, parse_points_text, read_pts,
                                       write_pts)
from tf_deepexag.landmarks.head import NUM_HEAD_POINTS, head_points, with_head_points
from tf_deepexag.landmarks.scheme import (IBUG68, IBUG68_HEAD, SCHEMES, WEBCARICATURE17, scheme_for,
                                          LandmarkScheme, check_points,
                                          mirror_points, points_tensor)
from tf_deepexag.landmarks.statistics import (NormalizationStats,
                                              interocular_distance, mean_shape,
                                              offset_scale)
from tf_deepexag.landmarks.stroke5 import from_stroke5, to_stroke5

__all__ = [
    "ALIGN_METHODS", "IBUG68", "IBUG68_HEAD", "NUM_HEAD_POINTS", "SCHEMES", "WEBCARICATURE17", "LandmarkScheme", "NormalizationStats",
    "align", "apply_similarity", "check_points", "estimate_similarity", "format_pts",
    "from_stroke5", "head_points", "interocular_distance", "invert_similarity", "mean_shape",
    "mirror_points", "offset_scale", "scheme_for", "parse_points_text", "points_tensor", "read_pts",
    "similarity_matrix", "to_stroke5", "with_head_points",
    "write_pts",
]
