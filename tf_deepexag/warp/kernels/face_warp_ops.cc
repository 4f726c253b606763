// TfDeepexagTpsCoarseFlow and TfDeepexagWarpFaceRgb8: the eager uint8 RGB
// path of `warp_face` on native CPU kernels (loaded by
// tf_deepexag/native.py).
//
// Shapes: B batch, H height, W width, M spline centres, Gh x Gw coarse nodes.
//
// - TfDeepexagTpsCoarseFlow: face_warp._coarse_flow, the thin-plate spline on
//   the coarse grid, in float32 (rounding differs from XLA's by a few ulps).
// - TfDeepexagWarpFaceRgb8: the XLA programs of _rgb_uint8_sampler.py, bit for
//   bit: `upsample_flow` (XLA contracts `lower + t * (upper - lower)` into one
//   fused multiply-add, so std::fma here), `warp_rgb_uint8` (weights in 1/64
//   px, rounded half to even) and `unpack_rgb0`.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "Eigen/Core"
#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/lib/core/threadpool.h"
#include "common.h"

namespace tf_deepexag {
namespace {

// ---------------------------------------------------------------------------
// uint8 RGB face sampler: coarse flow -> upsampled flow -> integer bilinear.

constexpr int kFractionBits = 6;  // _rgb_uint8_sampler.FRACTION_BITS
constexpr float kOne = 1 << kFractionBits;
// Adding then subtracting 2^23 rounds a float in [0, 2^23) to an integer, half
// to even (the default rounding mode): tf.round, in a vectorizable form.
constexpr float kRoundingShift = 8388608.0f;

// Columns pass of `upsample_flow` for one pixel row: `row_nodes` is this row
// of the rows pass, `(Gw, 2)`; writes the (dy, dx) flow of every x.
void RowFlow(const float* row_nodes, const float* t, int64_t step, int64_t width,
             float* flow_y, float* flow_x) {
  for (int64_t start = 0, j = 0; start < width; start += step, ++j) {
    const float* left = row_nodes + 2 * j;
    const float delta_y = left[2] - left[0], delta_x = left[3] - left[1];
    const int64_t count = std::min(step, width - start);
    for (int64_t r = 0; r < count; ++r) {
      flow_y[start + r] = std::fma(t[r], delta_y, left[0]);
      flow_x[start + r] = std::fma(t[r], delta_x, left[1]);
    }
  }
}

// One pixel row of `warp_rgb_uint8`'s corners and weights (in 1/64 px).
void RowFixedPointCorners(int64_t y, const float* flow_y, const float* flow_x,
                          int64_t height, int64_t width, int32_t* y0, int32_t* x0,
                          int32_t* wy, int32_t* wx) {
  const float last_y = static_cast<float>(height - 2), last_x = static_cast<float>(width - 2);
  const float grid_y = static_cast<float>(y);
  for (int64_t x = 0; x < width; ++x) {
    const float query_y = grid_y - flow_y[x];
    const float query_x = static_cast<float>(x) - flow_x[x];
    const float floor_y = Min(Max(std::floor(query_y), 0.0f), last_y);  // tf.clip_by_value
    const float floor_x = Min(Max(std::floor(query_x), 0.0f), last_x);
    const float alpha_y = Min(Max(query_y - floor_y, 0.0f), 1.0f);
    const float alpha_x = Min(Max(query_x - floor_x, 0.0f), 1.0f);
    y0[x] = static_cast<int32_t>(floor_y);
    x0[x] = static_cast<int32_t>(floor_x);
    wy[x] = static_cast<int32_t>((alpha_y * kOne + kRoundingShift) - kRoundingShift);
    wx[x] = static_cast<int32_t>((alpha_x * kOne + kRoundingShift) - kRoundingShift);
  }
}

// `warp_rgb_uint8` + `unpack_rgb0` for one pixel row: the packed int64 sum,
// one 21-bit channel field at a time (no field overflows: 255 * 64 * 64 < 2^21).
void RowBlendRgb8(const uint8_t* plane, int64_t width, const int32_t* y0, const int32_t* x0,
                  const int32_t* wy, const int32_t* wx, uint8_t* out) {
  constexpr int32_t one = 1 << kFractionBits, half = 1 << (2 * kFractionBits - 1);
  const int64_t stride = width * 3;
  for (int64_t x = 0; x < width; ++x) {
    const uint8_t* top_left = plane + static_cast<int64_t>(y0[x]) * stride + x0[x] * 3;
    const uint8_t* bottom_left = top_left + stride;
    for (int c = 0; c < 3; ++c) {
      const int32_t top = (one - wx[x]) * top_left[c] + wx[x] * top_left[3 + c];
      const int32_t bottom = (one - wx[x]) * bottom_left[c] + wx[x] * bottom_left[3 + c];
      const int32_t value = (one - wy[x]) * top + wy[x] * bottom;
      out[3 * x + c] = static_cast<uint8_t>((value + half) >> (2 * kFractionBits));
    }
  }
}

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VBMI__) && \
    defined(__AVX512DQ__) && defined(__AVX512VL__)
#define TF_DEEPEXAG_AVX512 1
// RowBlendRgb8 on 8 pixels at a time in 16-bit multiply-adds. Each corner row
// pair is one 64-bit gather at its byte offset (RGB, the right neighbour's
// RGB and two bytes ignored); a byte shuffle pairs every channel with its
// neighbour and vpmaddubsw forms `(64 - wx) left + wx right` in int16 (at most
// 255 * 64); vpmaddwd then forms `(64 - wy) top + wy bottom` in int32. These
// are RowBlendRgb8's integers exactly, so the bits are the same. `total_bytes`
// is the image plane's size: a bottom-row read that would pass its end is
// made from up to 8 bytes earlier and shifted back. Measured against the
// previous version (a 32-bit gather per corner and channel arithmetic in
// int32 lanes): the sampler 0.67 vs 0.75 ms on one thread at 512^2.
void RowBlendRgb8Avx512(const uint8_t* plane, int64_t total_bytes, int64_t width,
                        const int32_t* y0, const int32_t* x0, const int32_t* wy,
                        const int32_t* wx, uint8_t* out) {
  const __m256i stride = _mm256_set1_epi32(static_cast<int32_t>(3 * width));
  const __m256i three = _mm256_set1_epi32(3);
  const __m512i last_safe = _mm512_set1_epi64(total_bytes - 8);
  // Per 8-byte pixel pair [r g b R G B . .] -> [r R g G b B 0 0].
  const __m512i pair_channels = _mm512_broadcast_i32x4(
      _mm_setr_epi8(0, 3, 1, 4, 2, 5, -1, -1, 8, 11, 9, 12, 10, 13, -1, -1));
  // vpunpck{l,h}wd interleave pixel 2k (low) and 2k + 1 (high) into lane k.
  const __m512i even_pixels = _mm512_setr_epi32(0, 0, 0, 0, 2, 2, 2, 2, 4, 4, 4, 4, 6, 6, 6, 6);
  const __m512i odd_pixels = _mm512_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5, 7, 7, 7, 7);
  const __m512i half = _mm512_set1_epi32(1 << (2 * kFractionBits - 1));
  const __m512i one_x = _mm512_set1_epi64(1 << kFractionBits);
  const __m512i one_y = _mm512_set1_epi32(1 << kFractionBits);
  // After the two packs lane k holds pixels 2k, 2k + 1 as RGB0 RGB0.
  alignas(64) uint8_t order[64];
  for (int i = 0; i < 64; ++i) {
    order[i] = static_cast<uint8_t>(i < 24 ? 16 * (i / 6) + i % 6 + (i % 6 < 3 ? 0 : 1) : 0);
  }
  const __m512i pack = _mm512_load_si512(order);
  const __m512i zero = _mm512_setzero_si512();
  for (int64_t x = 0; x < width; x += 8) {
    const int64_t count = std::min<int64_t>(8, width - x);
    const __mmask8 lanes = static_cast<__mmask8>((1u << count) - 1);
    const __m256i offset = _mm256_add_epi32(
        _mm256_mullo_epi32(_mm256_maskz_loadu_epi32(lanes, y0 + x), stride),
        _mm256_mullo_epi32(_mm256_maskz_loadu_epi32(lanes, x0 + x), three));
    const __m256i offset_bottom = _mm256_add_epi32(offset, stride);
    const __m512i top = _mm512_mask_i32gather_epi64(zero, lanes, offset, plane, 1);
    const __m512i bottom_wide = _mm512_cvtepi32_epi64(offset_bottom);
    const __mmask8 at_end = _mm512_mask_cmpgt_epi64_mask(lanes, bottom_wide, last_safe);
    const __m512i back = _mm512_maskz_sub_epi64(at_end, bottom_wide, last_safe);  // bytes early
    __m512i bottom = _mm512_mask_i32gather_epi64(
        zero, lanes, _mm256_sub_epi32(offset_bottom, _mm512_cvtepi64_epi32(back)), plane, 1);
    bottom = _mm512_srlv_epi64(bottom, _mm512_slli_epi64(back, 3));
    // Byte pairs (64 - wx, wx) for the three channels: 64 + 255 wx per word.
    const __m512i weight_x = _mm512_cvtepu32_epi64(_mm256_maskz_loadu_epi32(lanes, wx + x));
    const __m512i pair_x = _mm512_add_epi64(one_x, _mm512_sub_epi64(
                                                       _mm512_slli_epi64(weight_x, 8), weight_x));
    const __m512i weights_x = _mm512_or_si512(
        _mm512_or_si512(pair_x, _mm512_slli_epi64(pair_x, 16)), _mm512_slli_epi64(pair_x, 32));
    const __m512i top16 = _mm512_maddubs_epi16(_mm512_shuffle_epi8(top, pair_channels), weights_x);
    const __m512i bottom16 =
        _mm512_maddubs_epi16(_mm512_shuffle_epi8(bottom, pair_channels), weights_x);
    // Word pairs (64 - wy, wy): 64 + 65535 wy per dword.
    const __m512i weight_y = _mm512_castsi256_si512(_mm256_maskz_loadu_epi32(lanes, wy + x));
    const __m512i pair_y = _mm512_add_epi32(one_y, _mm512_sub_epi32(
                                                       _mm512_slli_epi32(weight_y, 16), weight_y));
    const __m512i even = _mm512_madd_epi16(_mm512_unpacklo_epi16(top16, bottom16),
                                           _mm512_permutexvar_epi32(even_pixels, pair_y));
    const __m512i odd = _mm512_madd_epi16(_mm512_unpackhi_epi16(top16, bottom16),
                                          _mm512_permutexvar_epi32(odd_pixels, pair_y));
    const __m512i rounded_even = _mm512_srli_epi32(_mm512_add_epi32(even, half), 2 * kFractionBits);
    const __m512i rounded_odd = _mm512_srli_epi32(_mm512_add_epi32(odd, half), 2 * kFractionBits);
    const __m512i bytes =
        _mm512_packus_epi16(_mm512_packus_epi32(rounded_even, rounded_odd), zero);
    const __mmask64 store = (1ull << (3 * count)) - 1;
    _mm512_mask_storeu_epi8(out + 3 * x, store, _mm512_permutexvar_epi8(pack, bytes));
  }
}
#endif  // AVX-512

class WarpFaceRgb8Op : public OpKernel {
 public:
  explicit WarpFaceRgb8Op(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("grid_step", &grid_step_));
    OP_REQUIRES_OK(context, context->GetAttr("vectorized", &vectorized_));
    OP_REQUIRES(context, grid_step_ >= 1,
                InvalidArgument("`grid_step` must be at least 1, got ", grid_step_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& image = context->input(0);
    const Tensor& coarse = context->input(1);
    OP_REQUIRES(context, image.dims() == 4 && image.dim_size(3) == 3,
                InvalidArgument("`image` must have shape (B, H, W, 3), got ",
                                image.shape().DebugString()));
    const int64_t batch = image.dim_size(0), height = image.dim_size(1);
    const int64_t width = image.dim_size(2), step = grid_step_;
    OP_REQUIRES(context, height >= 2 && width >= 2,
                InvalidArgument("`image` height and width must be at least 2, got ",
                                image.shape().DebugString()));
    OP_REQUIRES(context, coarse.dims() == 4 && coarse.dim_size(0) == batch &&
                             coarse.dim_size(3) == 2 &&
                             (coarse.dim_size(1) - 1) * step >= height &&
                             (coarse.dim_size(2) - 1) * step >= width,
                InvalidArgument("`coarse_flow` ", coarse.shape().DebugString(),
                                " does not cover `image` ", image.shape().DebugString(),
                                " with grid_step ", step));
    const int64_t nodes_y = coarse.dim_size(1), nodes_x = coarse.dim_size(2);
    // The SIMD blend addresses bytes with int32 offsets.
    const bool vectorized = vectorized_ && height * width * 3 < (int64_t{1} << 31);
    Tensor* output = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(0, image.shape(), &output));
    const uint8_t* in = image.flat<uint8_t>().data();
    const float* grid = coarse.flat<float>().data();
    uint8_t* out = output->flat<uint8_t>().data();
    // upsample_axis's t = tf.range(step) / step, in float32.
    std::vector<float> t(step);
    for (int64_t r = 0; r < step; ++r) t[r] = static_cast<float>(r) / static_cast<float>(step);
    auto* pool = context->device()->tensorflow_cpu_worker_threads()->workers;
    ParallelRows(pool, batch * height, RowBlockSize(width), [&](int64_t begin, int64_t end) {
      std::vector<float> row_nodes(2 * nodes_x);
      std::vector<float> flow_y(width), flow_x(width);
      std::vector<int32_t> y0(width), x0(width), wy(width), wx(width);
      for (int64_t row = begin; row < end; ++row) {
        const int64_t b = row / height, y = row % height;
        // Rows pass of upsample_flow: this pixel row at every column node.
        const float ty = t[y % step];
        const float* lower = grid + (b * nodes_y + y / step) * nodes_x * 2;  // (Gw, 2)
        const float* upper = lower + nodes_x * 2;
        for (int64_t j = 0; j < 2 * nodes_x; ++j) {
          row_nodes[j] = std::fma(ty, upper[j] - lower[j], lower[j]);
        }
        RowFlow(row_nodes.data(), t.data(), step, width, flow_y.data(), flow_x.data());
        RowFixedPointCorners(y, flow_y.data(), flow_x.data(), height, width, y0.data(),
                             x0.data(), wy.data(), wx.data());
        const uint8_t* plane = in + b * height * width * 3;
#ifdef TF_DEEPEXAG_AVX512
        if (vectorized) {
          RowBlendRgb8Avx512(plane, height * width * 3, width, y0.data(), x0.data(), wy.data(),
                             wx.data(), out + row * width * 3);
          continue;
        }
#endif
        RowBlendRgb8(plane, width, y0.data(), x0.data(), wy.data(), wx.data(),
                     out + row * width * 3);
      }
    });
  }

 private:
  int grid_step_;
  bool vectorized_;
};

REGISTER_OP("TfDeepexagWarpFaceRgb8")
    .Input("image: uint8")
    .Input("coarse_flow: float")
    .Output("output: uint8")
    .Attr("grid_step: int")
    .Attr("vectorized: bool = true")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(0));
      return ::tensorflow::OkStatus();
    })
    .Doc("warp_face's uint8 RGB sampler on a coarse (dy, dx) flow with nodes grid_step px apart.");

REGISTER_KERNEL_BUILDER(Name("TfDeepexagWarpFaceRgb8").Device(DEVICE_CPU), WarpFaceRgb8Op);

// ---------------------------------------------------------------------------
// Thin-plate spline on the coarse grid: face_warp._coarse_flow.

// Evaluates `flow(p) = sum_m w_m phi(|p - c_m|^2) + A [p, 1]` at the nodes
// `(i, j) * grid_step` px, in the scaled units of face_warp._solve. Float32
// like the XLA program it replaces; Eigen's vectorized log and matrix product
// round differently from XLA's, by a few ulps (tested against it).
class TpsCoarseFlowOp : public OpKernel {
 public:
  explicit TpsCoarseFlowOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("grid_step", &grid_step_));
    OP_REQUIRES(context, grid_step_ >= 1,
                InvalidArgument("`grid_step` must be at least 1, got ", grid_step_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& controls = context->input(0);
    const Tensor& weights = context->input(1);
    const Tensor& affine = context->input(2);
    const int64_t height = context->input(3).scalar<int32_t>()();
    const int64_t width = context->input(4).scalar<int32_t>()();
    OP_REQUIRES(context, controls.dims() == 3 && controls.dim_size(0) == 1 &&
                             controls.dim_size(2) == 2 && weights.shape() == controls.shape() &&
                             affine.dims() == 3 && affine.dim_size(0) == 1 &&
                             affine.dim_size(1) == 3 && affine.dim_size(2) == 2,
                InvalidArgument("Expected controls and w (1, M, 2) and v (1, 3, 2), got ",
                                controls.shape().DebugString(), ", ",
                                weights.shape().DebugString(), ", ",
                                affine.shape().DebugString()));
    OP_REQUIRES(context, height >= 1 && width >= 1,
                InvalidArgument("Image size must be positive, got ", height, "x", width));
    const int64_t step = grid_step_, centres = controls.dim_size(1);
    const int64_t nodes_y = (height + step - 1) / step + 1;
    const int64_t nodes_x = (width + step - 1) / step + 1;
    Tensor* output = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(
                                0, TensorShape({1, nodes_y, nodes_x, 2}), &output));
    const float* c = controls.flat<float>().data();
    const float* w = weights.flat<float>().data();
    const float* v = affine.flat<float>().data();
    float* out = output->flat<float>().data();
    const float unit = static_cast<float>(step) /
                       static_cast<float>(std::max(height, width) - 1);
    // dx2[m, j] = (node_x[j] - c_x[m])^2, shared by every node row.
    std::vector<float> node_x(nodes_x), dx2(centres * nodes_x);
    for (int64_t j = 0; j < nodes_x; ++j) node_x[j] = static_cast<float>(j) * unit;
    for (int64_t m = 0; m < centres; ++m) {
      for (int64_t j = 0; j < nodes_x; ++j) {
        const float d = node_x[j] - c[2 * m + 1];
        dx2[m * nodes_x + j] = d * d;
      }
    }
    auto* pool = context->device()->tensorflow_cpu_worker_threads()->workers;
    ParallelRows(pool, nodes_y, RowBlockSize(nodes_x * centres), [&](int64_t begin, int64_t end) {
      std::vector<float> kernel(centres * nodes_x), sum_y(nodes_x), sum_x(nodes_x);
      Eigen::Map<Eigen::ArrayXf> phi(kernel.data(), centres * nodes_x);
      for (int64_t i = begin; i < end; ++i) {
        const float node_y = static_cast<float>(i) * unit;
        for (int64_t m = 0; m < centres; ++m) {  // r = dy2 + dx2
          const float d = node_y - c[2 * m];
          const float dy2 = d * d;
          for (int64_t j = 0; j < nodes_x; ++j) {
            kernel[m * nodes_x + j] = dy2 + dx2[m * nodes_x + j];
          }
        }
        // phi(r) = 0.5 r log(max(r, 1e-10)), interpolate_spline.phi of order 2.
        phi = (0.5f * phi) * phi.max(1e-10f).log();
        std::fill(sum_y.begin(), sum_y.end(), 0.0f);
        std::fill(sum_x.begin(), sum_x.end(), 0.0f);
        for (int64_t m = 0; m < centres; ++m) {  // phi @ w, summed over m in order
          const float* phi_m = kernel.data() + m * nodes_x;
          for (int64_t j = 0; j < nodes_x; ++j) {
            sum_y[j] += phi_m[j] * w[2 * m];
            sum_x[j] += phi_m[j] * w[2 * m + 1];
          }
        }
        float* flow = out + i * nodes_x * 2;
        for (int64_t j = 0; j < nodes_x; ++j) {  // + A [p, 1]
          flow[2 * j] = sum_y[j] + (node_y * v[0] + node_x[j] * v[2] + v[4]);
          flow[2 * j + 1] = sum_x[j] + (node_y * v[1] + node_x[j] * v[3] + v[5]);
        }
      }
    });
  }

 private:
  int grid_step_;
};

REGISTER_OP("TfDeepexagTpsCoarseFlow")
    .Input("controls: float")
    .Input("w: float")
    .Input("v: float")
    .Input("height: int32")
    .Input("width: int32")
    .Output("coarse_flow: float")
    .Attr("grid_step: int")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->MakeShape({1, c->UnknownDim(), c->UnknownDim(), 2}));
      return ::tensorflow::OkStatus();
    })
    .Doc("face_warp._coarse_flow: the thin-plate spline at nodes grid_step px apart.");

REGISTER_KERNEL_BUILDER(Name("TfDeepexagTpsCoarseFlow").Device(DEVICE_CPU).HostMemory("height")
                            .HostMemory("width"), TpsCoarseFlowOp);

}  // namespace
}  // namespace tf_deepexag
