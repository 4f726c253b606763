"""Image deformation: tensorflow-addons' warp ops without tensorflow-addons, and
the pipeline's face warp."""

from tf_deepexag.warp.dense_image_warp import dense_image_warp, interpolate_bilinear
from tf_deepexag.warp.face_warp import face_flow, map_warp, warp_face
from tf_deepexag.warp.interpolate_spline import interpolate_spline
from tf_deepexag.warp.sparse_image_warp import sparse_image_warp

__all__ = ["dense_image_warp", "face_flow", "interpolate_bilinear", "interpolate_spline",
           "map_warp", "sparse_image_warp", "warp_face"]
