// TfDeepexagTpsSolve: face_warp._solve on a native CPU kernel (loaded by
// tf_deepexag/native.py).
//
// Shapes: N landmarks, E border points per edge, M = N + 4 E spline centres.
//
// The same system as face_warp._solve / interpolate_spline.solve_interpolation
// (order 2), in float64: centres are the destination points (y, x) and the
// border points, scaled by the longer side; the LU with partial pivoting is a
// plain one, so the weights differ from TensorFlow's MatrixSolve by float64
// rounding (invisible after the cast to float32 on nearly every value).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "common.h"

namespace tf_deepexag {
namespace {

// Solves `a x = b` in place (`a` n x n row-major, `b` n x k) by Gaussian
// elimination with partial pivoting. Returns false if `a` is singular.
bool SolveInPlace(int64_t n, int64_t k, double* a, double* b) {
  for (int64_t col = 0; col < n; ++col) {
    int64_t pivot = col;
    for (int64_t row = col + 1; row < n; ++row) {
      if (std::abs(a[row * n + col]) > std::abs(a[pivot * n + col])) pivot = row;
    }
    if (a[pivot * n + col] == 0.0) return false;
    if (pivot != col) {
      std::swap_ranges(a + col * n, a + (col + 1) * n, a + pivot * n);
      std::swap_ranges(b + col * k, b + (col + 1) * k, b + pivot * k);
    }
    const double* pivot_row = a + col * n;
    for (int64_t row = col + 1; row < n; ++row) {
      double* target = a + row * n;
      const double factor = target[col] / pivot_row[col];
      if (factor == 0.0) continue;
      for (int64_t j = col; j < n; ++j) target[j] -= factor * pivot_row[j];
      for (int64_t j = 0; j < k; ++j) b[row * k + j] -= factor * b[col * k + j];
    }
  }
  for (int64_t row = n - 1; row >= 0; --row) {
    for (int64_t j = 0; j < k; ++j) {
      double sum = b[row * k + j];
      for (int64_t i = row + 1; i < n; ++i) sum -= a[row * n + i] * b[i * k + j];
      b[row * k + j] = sum / a[row * n + row];
    }
  }
  return true;
}

class TpsSolveOp : public OpKernel {
 public:
  explicit TpsSolveOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("border_points_per_edge", &per_edge_));
    OP_REQUIRES(context, per_edge_ >= 1,
                InvalidArgument("`border_points_per_edge` must be at least 1, got ",
                                per_edge_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& src = context->input(0);
    const Tensor& dst = context->input(1);
    const int64_t height = context->input(2).scalar<int32_t>()();
    const int64_t width = context->input(3).scalar<int32_t>()();
    const double regularization = context->input(4).scalar<double>()();
    OP_REQUIRES(context, src.dims() == 2 && src.dim_size(1) == 2 && src.shape() == dst.shape() &&
                             src.dim_size(0) >= 3,
                InvalidArgument("`src_points_xy` and `dst_points_xy` must be (N, 2), N >= 3, "
                                "got ", src.shape().DebugString(), " and ",
                                dst.shape().DebugString()));
    OP_REQUIRES(context, height >= 2 && width >= 2,
                InvalidArgument("Image size must be at least 2x2, got ", height, "x", width));
    const int64_t landmarks = src.dim_size(0), centres = landmarks + 4 * per_edge_;
    const int64_t size = centres + 3;
    const double* s = src.flat<double>().data();
    const double* d = dst.flat<double>().data();
    // Centres (y, x) and values (dy, dx): the landmarks, then face_warp._border_points.
    std::vector<double> c(2 * centres), values(2 * size, 0.0);
    for (int64_t i = 0; i < landmarks; ++i) {
      c[2 * i] = d[2 * i + 1];
      c[2 * i + 1] = d[2 * i];
      values[2 * i] = d[2 * i + 1] - s[2 * i + 1];
      values[2 * i + 1] = d[2 * i] - s[2 * i];
    }
    const double h = static_cast<double>(height - 1), w = static_cast<double>(width - 1);
    for (int64_t e = 0; e < per_edge_; ++e) {
      const double t = static_cast<double>(e) / static_cast<double>(per_edge_);  // [0, 1)
      const double edges[4][2] = {{0.0, t * w}, {t * h, w}, {h, (1 - t) * w}, {(1 - t) * h, 0.0}};
      for (int side = 0; side < 4; ++side) {
        const int64_t i = landmarks + side * per_edge_ + e;
        c[2 * i] = edges[side][0];
        c[2 * i + 1] = edges[side][1];
      }
    }
    const double scale = static_cast<double>(std::max(height, width) - 1);
    for (double& value : c) value /= scale;
    // [[phi(|c_k - c_l|^2) + lambda I, P], [P^T, 0]] with P = [c, 1].
    std::vector<double> lhs(size * size, 0.0);
    for (int64_t k = 0; k < centres; ++k) {
      for (int64_t l = 0; l < centres; ++l) {
        const double dy = c[2 * k] - c[2 * l], dx = c[2 * k + 1] - c[2 * l + 1];
        const double r = dy * dy + dx * dx;
        lhs[k * size + l] = 0.5 * r * std::log(std::max(r, 1e-10));
      }
      lhs[k * size + k] += regularization;
      const double p[3] = {c[2 * k], c[2 * k + 1], 1.0};
      for (int j = 0; j < 3; ++j) {
        lhs[k * size + centres + j] = p[j];
        lhs[(centres + j) * size + k] = p[j];
      }
    }
    OP_REQUIRES(context, SolveInPlace(size, 2, lhs.data(), values.data()),
                InvalidArgument("The thin-plate spline system is singular (repeated or "
                                "collinear points?)."));
    Tensor* controls = nullptr;
    Tensor* weights = nullptr;
    Tensor* affine = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(0, TensorShape({1, centres, 2}), &controls));
    OP_REQUIRES_OK(context, context->allocate_output(1, TensorShape({1, centres, 2}), &weights));
    OP_REQUIRES_OK(context, context->allocate_output(2, TensorShape({1, 3, 2}), &affine));
    float* out_c = controls->flat<float>().data();
    float* out_w = weights->flat<float>().data();
    float* out_v = affine->flat<float>().data();
    for (int64_t i = 0; i < 2 * centres; ++i) {
      out_c[i] = static_cast<float>(c[i]);
      out_w[i] = static_cast<float>(values[i]);
    }
    for (int64_t i = 0; i < 6; ++i) out_v[i] = static_cast<float>(values[2 * centres + i]);
  }

 private:
  int per_edge_;
};

REGISTER_OP("TfDeepexagTpsSolve")
    .Input("src_points_xy: double")
    .Input("dst_points_xy: double")
    .Input("height: int32")
    .Input("width: int32")
    .Input("regularization_weight: double")
    .Output("controls: float")
    .Output("w: float")
    .Output("v: float")
    .Attr("border_points_per_edge: int")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->MakeShape({1, c->UnknownDim(), 2}));
      c->set_output(1, c->MakeShape({1, c->UnknownDim(), 2}));
      c->set_output(2, c->MakeShape({1, 3, 2}));
      return ::tensorflow::OkStatus();
    })
    .Doc("face_warp._solve: the thin-plate spline through the landmarks and the border.");

REGISTER_KERNEL_BUILDER(Name("TfDeepexagTpsSolve").Device(DEVICE_CPU).HostMemory("height")
                            .HostMemory("width").HostMemory("regularization_weight"),
                        TpsSolveOp);

}  // namespace
}  // namespace tf_deepexag
