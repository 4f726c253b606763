// Shared by the native kernels (dense_image_warp_op.cc, face_warp_ops.cc, tps_solve_op.cc here,
// geometry/kernels/lstm_cell_ops.cc).

#ifndef TF_DEEPEXAG_WARP_KERNELS_COMMON_H_
#define TF_DEEPEXAG_WARP_KERNELS_COMMON_H_

#include <algorithm>
#include <cstdint>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/lib/core/threadpool.h"

namespace tf_deepexag {

// The TensorFlow names every kernel uses.
using ::tensorflow::DEVICE_CPU;
using ::tensorflow::OpKernel;
using ::tensorflow::OpKernelConstruction;
using ::tensorflow::OpKernelContext;
using ::tensorflow::Tensor;
using ::tensorflow::TensorShape;
using ::tensorflow::errors::InvalidArgument;
using ::tensorflow::shape_inference::InferenceContext;

// Fixed blocks of ~8k elements (rows of `row_size`): small enough that a
// worker descheduled by another process on these shared cores holds up the
// call by one short block, large enough that scheduling costs nothing.
inline ::tensorflow::thread::ThreadPool::SchedulingParams RowBlocks(int64_t row_size) {
  return ::tensorflow::thread::ThreadPool::SchedulingParams::Fixed(
      std::max<int64_t>(1, 8192 / std::max<int64_t>(1, row_size)));
}

// Eigen's scalar_max/min_op on finite values (TF's Maximum/Minimum), in the
// argument order of the Python code they mirror.
template <typename V>
inline V Max(V a, V b) { return a < b ? b : a; }
template <typename V>
inline V Min(V a, V b) { return b < a ? b : a; }

}  // namespace tf_deepexag

#endif  // TF_DEEPEXAG_WARP_KERNELS_COMMON_H_
