// Shared by the native warp kernels (see dense_image_warp_op.cc, face_warp_ops.cc).

#ifndef TF_DEEPEXAG_WARP_KERNELS_COMMON_H_
#define TF_DEEPEXAG_WARP_KERNELS_COMMON_H_

namespace tf_deepexag {

// Eigen's scalar_max/min_op on finite values (TF's Maximum/Minimum), in the
// argument order of the Python code they mirror.
template <typename V>
inline V Max(V a, V b) { return a < b ? b : a; }
template <typename V>
inline V Min(V a, V b) { return b < a ? b : a; }

}  // namespace tf_deepexag

#endif  // TF_DEEPEXAG_WARP_KERNELS_COMMON_H_
