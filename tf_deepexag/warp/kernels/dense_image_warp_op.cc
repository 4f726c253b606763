// TfDeepexagDenseImageWarp: native CPU `dense_image_warp` (loaded by
// tf_deepexag/native.py).
//
// Shapes: B batch, H height, W width, C channels.
//
// Repeats the arithmetic of dense_image_warp.py (`interpolate_bilinear` on
// `grid - flow`) op for op and in the same dtypes, so that, compiled with
// -ffp-contract=off and no fast math, it returns the same bits; Eigen::half
// rounds after every operation, as TensorFlow's kernels do. float32 RGB
// images blend 4 pixels per AVX-512 register (`RowBlendRgbFloat`, the same
// operations lane by lane; `vectorized=False` selects the scalar loop).

#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/lib/core/threadpool.h"
#include "common.h"

namespace tf_deepexag {
namespace {

// ---------------------------------------------------------------------------
// Dense bilinear warp.

// One pixel row of `interpolate_bilinear`'s corner and weight computation:
// `y0, x0` the clamped top-left corner, `ay, ax` the weights, for every x.
// Elementwise IEEE operations only, so the compiler may vectorize it without
// changing a bit.
template <typename T, typename U>
void RowCorners(int64_t y, const U* flow, int64_t height, int64_t width, int32_t* y0,
                int32_t* x0, T* ay, T* ax) {
  const U zero = static_cast<U>(0.0f);
  const U last_y = static_cast<U>(static_cast<float>(height - 2));
  const U last_x = static_cast<U>(static_cast<float>(width - 2));
  const U grid_y = static_cast<U>(static_cast<float>(y));
  const T zero_t = static_cast<T>(0.0f), one_t = static_cast<T>(1.0f);
  for (int64_t x = 0; x < width; ++x) {
    // query = grid - flow; floor = tf.minimum(tf.maximum(0, tf.floor(q)), size - 2),
    // alpha = tf.clip_by_value(tf.cast(q - floor, T), 0, 1) (minimum, then maximum).
    const U query_y = grid_y - flow[2 * x];
    const U query_x = static_cast<U>(static_cast<float>(x)) - flow[2 * x + 1];
    const U floor_y = Min(Max(zero, static_cast<U>(std::floor(query_y))), last_y);
    const U floor_x = Min(Max(zero, static_cast<U>(std::floor(query_x))), last_x);
    y0[x] = static_cast<int32_t>(static_cast<float>(floor_y));
    x0[x] = static_cast<int32_t>(static_cast<float>(floor_x));
    ay[x] = Max(Min(static_cast<T>(query_y - floor_y), one_t), zero_t);
    ax[x] = Max(Min(static_cast<T>(query_x - floor_x), one_t), zero_t);
  }
}

// False if any of `values[0 .. count)` is NaN or infinite. (A non-finite
// flow is clamped to the border by RowCorners, so it never addresses memory
// outside the image; the op then fails instead of returning the result.)
template <typename U>
bool AllFinite(const U* values, int64_t count) {
  bool finite = true;
  for (int64_t i = 0; i < count; ++i) finite &= Eigen::numext::isfinite(values[i]);
  return finite;
}

#if defined(__AVX512F__) && defined(__AVX512DQ__)
// AllFinite for float32, 16 values a class test (vfpclassps).
template <>
bool AllFinite<float>(const float* values, int64_t count) {
  constexpr int kNanOrInf = 0x01 | 0x08 | 0x10 | 0x80;  // QNaN, +inf, -inf, SNaN
  __mmask16 bad = 0;
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    bad |= _mm512_fpclass_ps_mask(_mm512_loadu_ps(values + i), kNanOrInf);
  }
  const __mmask16 tail = static_cast<__mmask16>((1u << (count - i)) - 1);
  bad |= _mm512_mask_fpclass_ps_mask(tail, _mm512_maskz_loadu_ps(tail, values + i), kNanOrInf);
  return bad == 0;
}
#endif

// The blend of `interpolate_bilinear` for pixels [begin, end) of one row;
// `kChannels` > 0 fixes the channel count at compile time, 0 reads it from
// `channels`.
template <typename T, int kChannels>
void RowBlend(const T* plane, int64_t width, int64_t channels_or_zero, int64_t begin,
              int64_t end, const int32_t* y0, const int32_t* x0, const T* ay, const T* ax,
              T* out) {
  const int64_t channels = kChannels > 0 ? kChannels : channels_or_zero;
  const int64_t stride = width * channels;
  for (int64_t x = begin; x < end; ++x) {
    const T* top_left = plane + static_cast<int64_t>(y0[x]) * stride + x0[x] * channels;
    const T* bottom_left = top_left + stride;
    T* result = out + x * channels;
    for (int64_t c = 0; c < channels; ++c) {
      const T tl = top_left[c], tr = top_left[channels + c];
      const T bl = bottom_left[c], br = bottom_left[channels + c];
      const T top = ax[x] * (tr - tl) + tl;
      const T bottom = ax[x] * (br - bl) + bl;
      result[c] = ay[x] * (bottom - top) + top;
    }
  }
}

template <typename T>
using RowBlendFn = void (*)(const T*, int64_t, int64_t, int64_t, int64_t, const int32_t*,
                            const int32_t*, const T*, const T*, T*);

template <typename T>
RowBlendFn<T> ScalarRowBlend(int64_t channels) {
  return channels == 1   ? RowBlend<T, 1>
         : channels == 2 ? RowBlend<T, 2>
         : channels == 3 ? RowBlend<T, 3>
         : channels == 4 ? RowBlend<T, 4>
                         : RowBlend<T, 0>;
}

#if defined(__AVX512F__) && defined(__AVX512VL__)
#define TF_DEEPEXAG_AVX512 1
// RowBlend<float, 3> on 4 pixels at a time, one pixel per 128-bit lane: each
// corner pair is two unaligned 4-float loads (RGB plus the neighbour's R,
// which the blend ignores) instead of 12 scalar loads a pixel. The same
// float32 operations in the same order (no FMA), so the same bits. Only the
// bottom-right load is masked to 3 floats: at the last pixel of the plane a
// fourth float would lie past its end. Gathers (one 16-wide gather per corner
// and channel) measured 1.4x slower than the scalar loop on this machine.
void RowBlendRgbFloat(const float* plane, int64_t width, int64_t /*channels*/, int64_t begin,
                      int64_t end, const int32_t* y0, const int32_t* x0, const float* ay,
                      const float* ax, float* out) {
  const int64_t stride = width * 3;
  // Lane k of a weight vector holds pixel k's weight; `pack` keeps the three
  // channels of each lane, 12 floats in pixel order.
  const __m512i spread = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0);
  const __m512i pack = _mm512_set_epi32(0, 0, 0, 0, 14, 13, 12, 10, 9, 8, 6, 5, 4, 2, 1, 0);
  int64_t x = begin;
  for (; x + 4 <= end; x += 4) {
    const float* corner[4];
    for (int k = 0; k < 4; ++k) {
      corner[k] = plane + static_cast<int64_t>(y0[x + k]) * stride + x0[x + k] * 3;
    }
    __m512 tl = _mm512_castps128_ps512(_mm_loadu_ps(corner[0]));
    __m512 tr = _mm512_castps128_ps512(_mm_loadu_ps(corner[0] + 3));
    __m512 bl = _mm512_castps128_ps512(_mm_loadu_ps(corner[0] + stride));
    __m512 br = _mm512_castps128_ps512(_mm_maskz_loadu_ps(0x7, corner[0] + stride + 3));
#define TF_DEEPEXAG_LANE(k)                                                          \
  tl = _mm512_insertf32x4(tl, _mm_loadu_ps(corner[k]), k);                            \
  tr = _mm512_insertf32x4(tr, _mm_loadu_ps(corner[k] + 3), k);                        \
  bl = _mm512_insertf32x4(bl, _mm_loadu_ps(corner[k] + stride), k);                   \
  br = _mm512_insertf32x4(br, _mm_maskz_loadu_ps(0x7, corner[k] + stride + 3), k);
    TF_DEEPEXAG_LANE(1)
    TF_DEEPEXAG_LANE(2)
    TF_DEEPEXAG_LANE(3)
#undef TF_DEEPEXAG_LANE
    const __m512 wx = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_loadu_ps(ax + x)));
    const __m512 wy = _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(_mm_loadu_ps(ay + x)));
    const __m512 top = _mm512_add_ps(_mm512_mul_ps(wx, _mm512_sub_ps(tr, tl)), tl);
    const __m512 bottom = _mm512_add_ps(_mm512_mul_ps(wx, _mm512_sub_ps(br, bl)), bl);
    const __m512 value = _mm512_add_ps(_mm512_mul_ps(wy, _mm512_sub_ps(bottom, top)), top);
    _mm512_mask_storeu_ps(out + 3 * x, 0x0FFF, _mm512_permutexvar_ps(pack, value));
  }
  RowBlend<float, 3>(plane, width, 3, x, end, y0, x0, ay, ax, out);
}
#endif  // AVX-512

// The row blend for this dtype and channel count (`vectorized`: the SIMD
// version where there is one).
template <typename T>
RowBlendFn<T> SelectRowBlend(int64_t channels, bool /*vectorized*/) {
  return ScalarRowBlend<T>(channels);
}

#ifdef TF_DEEPEXAG_AVX512
template <>
RowBlendFn<float> SelectRowBlend<float>(int64_t channels, bool vectorized) {
  return vectorized && channels == 3 ? RowBlendRgbFloat : ScalarRowBlend<float>(channels);
}
#endif

// The error of a NaN or infinite flow; dense_image_warp.py turns it into the
// ValueError of `_checks.check_finite`.
constexpr char kNonFiniteFlow[] = "`flow` contains NaN or inf values.";

template <typename T, typename U>
class DenseImageWarpOp : public OpKernel {
 public:
  explicit DenseImageWarpOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("vectorized", &vectorized_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& image = context->input(0);
    const Tensor& flow = context->input(1);
    OP_REQUIRES(context, image.dims() == 4,
                InvalidArgument("`image` must have rank 4, got ", image.shape().DebugString()));
    OP_REQUIRES(context, flow.dims() == 4 && flow.dim_size(3) == 2,
                InvalidArgument("`flow` must have shape (B, H, W, 2), got ",
                                flow.shape().DebugString()));
    const int64_t batch = image.dim_size(0), height = image.dim_size(1);
    const int64_t width = image.dim_size(2), channels = image.dim_size(3);
    OP_REQUIRES(context, flow.dim_size(0) == batch && flow.dim_size(1) == height &&
                             flow.dim_size(2) == width,
                InvalidArgument("`image` ", image.shape().DebugString(), " and `flow` ",
                                flow.shape().DebugString(), " differ."));
    OP_REQUIRES(context, height >= 2 && width >= 2,
                InvalidArgument("`image` height and width must be at least 2, got ",
                                image.shape().DebugString()));
    Tensor* output = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(0, image.shape(), &output));
    if (output->NumElements() == 0) return;
    const T* in = image.flat<T>().data();
    const U* offsets = flow.flat<U>().data();
    T* out = output->flat<T>().data();
    const RowBlendFn<T> blend = SelectRowBlend<T>(channels, vectorized_);
    auto* pool = context->device()->tensorflow_cpu_worker_threads()->workers;
    // The finiteness check rides on the warp: each flow row is tested while
    // it is in the cache (the eager caller's separate NumPy pass cost ~0.06 ms
    // at 512^2).
    std::atomic<bool> finite{true};
    ParallelRows(pool, batch * height, RowBlockSize(width), [&](int64_t begin, int64_t end) {
      std::vector<int32_t> y0(width), x0(width);
      std::vector<T> ay(width), ax(width);
      bool rows_finite = true;
      for (int64_t row = begin; row < end; ++row) {
        const int64_t b = row / height, y = row % height;
        const U* row_flow = offsets + row * width * 2;
        RowCorners<T, U>(y, row_flow, height, width, y0.data(), x0.data(), ay.data(),
                         ax.data());
        rows_finite &= AllFinite(row_flow, 2 * width);
        blend(in + b * height * width * channels, width, channels, 0, width, y0.data(),
              x0.data(), ay.data(), ax.data(), out + row * width * channels);
      }
      if (!rows_finite) finite.store(false, std::memory_order_relaxed);
    });
    OP_REQUIRES(context, finite.load(std::memory_order_relaxed),
                InvalidArgument(kNonFiniteFlow));
  }

 private:
  bool vectorized_;
};

REGISTER_OP("TfDeepexagDenseImageWarp")
    .Input("image: T")
    .Input("flow: U")
    .Output("output: T")
    .Attr("T: {half, float, double}")
    .Attr("U: {half, float, double}")
    .Attr("vectorized: bool = true")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(0));
      return ::tensorflow::OkStatus();
    })
    .Doc("dense_image_warp: out[b, y, x] = bilinear image[b, y - dy, x - dx]; fails on a "
         "NaN or infinite flow.");

#define REGISTER_DENSE(T, U)                                                   \
  REGISTER_KERNEL_BUILDER(Name("TfDeepexagDenseImageWarp")                     \
                              .Device(DEVICE_CPU)                              \
                              .TypeConstraint<T>("T")                          \
                              .TypeConstraint<U>("U"),                         \
                          DenseImageWarpOp<T, U>)
#define REGISTER_DENSE_FOR_IMAGE(T) \
  REGISTER_DENSE(T, Eigen::half);   \
  REGISTER_DENSE(T, float);         \
  REGISTER_DENSE(T, double)
REGISTER_DENSE_FOR_IMAGE(Eigen::half);
REGISTER_DENSE_FOR_IMAGE(float);
REGISTER_DENSE_FOR_IMAGE(double);
#undef REGISTER_DENSE_FOR_IMAGE
#undef REGISTER_DENSE

}  // namespace
}  // namespace tf_deepexag
