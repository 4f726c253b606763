// TfDeepexagLstmSequenceForward / TfDeepexagLstmSequenceBackward: the whole
// plain LSTM recurrence of tf_deepexag/geometry/fused_lstm.py, every step's
// recurrent product and elementwise work, in one kernel each way (loaded by
// tf_deepexag/native.py). float32.
//
// Shapes: D LSTMs side by side (the encoder's two directions, or 1), B batch,
// T steps, n units, gate columns 4n in the order i, g, f, o; every tensor is
// (D, B, T, ...) or (D, B, ...) as fused_lstm.py passes them.
//
// Why: with a TensorFlow matmul and a cell op per step, a train step of the
// VAE runs ~550 dependent ops in its four recurrences, and each pays the
// executor's dispatch, an output allocation and the wake-up of the intra-op
// threads (measured: a chain of 68 dependent (64, 512) x (512, 2048)
// products takes 0.80 ms a product, 0.69 ms when independent), and the
// per-step outputs are stacked afterwards. Here one op runs all steps: the
// threads stay awake between steps (one barrier a step), every output is
// written in place, and the weights are packed once per call.
//
// Work split: a step's work items are (direction d, block of 64 units). The
// forward item computes the four gate blocks of its units (a product of
// h_{t-1}, all n units, with its packed kernel columns) and then the cell for
// its units; the next step needs every unit of h_t, hence the barrier. The
// backward item first computes dh_t for its units (a product of the step
// t + 1 gate gradients, all 4n of them, with its packed kernel rows), then the
// gate gradients of step t for its units.
//
// Numerics: the products sum in a different order than TensorFlow's oneDNN
// matmul, so values and gradients agree with the TensorFlow steps to float32
// rounding, not bit for bit (tests/geometry/test_fused_lstm.py).

#include <algorithm>
#include <cstdint>

#include "Eigen/Core"
#include "panel_product.h"  // PanelProduct, RunStages, kBlock

namespace tf_deepexag {
namespace {

using Array = Eigen::Array<float, Eigen::Dynamic, 1>;
using Row = Eigen::Map<Array>;
using ConstRow = Eigen::Map<const Array>;

// Fails `context` unless `tensor` has the shape `dims`, naming the input.
bool RequireShape(OpKernelContext* context, const Tensor& tensor, const char* name,
                  std::initializer_list<int64_t> dims) {
  const TensorShape want(dims);
  if (tensor.shape() == want) return true;
  context->CtxFailure(InvalidArgument(name, " must be ", want.DebugString(), ", got ",
                                      tensor.shape().DebugString()));
  return false;
}

// A call's sizes, from a (D, B, T, 4n) tensor, and its work items.
struct Sizes {
  explicit Sizes(const Tensor& gates)
      : d(gates.dim_size(0)), b(gates.dim_size(1)), t(gates.dim_size(2)),
        n(gates.dim_size(3) / 4), blocks((n + kBlock - 1) / kBlock) {}
  const int64_t d, b, t, n, blocks;
  int64_t items() const { return d * blocks; }
  int64_t Width(int64_t block) const { return std::min(kBlock, n - block * kBlock); }
};

// Forward. Inputs: projected (D, B, T, 4n), h0, c0 (D, B, n), kernel
// (D, n, 4n), mask (D, B, T, n) or empty. Outputs: outputs (D, B, T, n) or
// empty (`return_sequences` false), previous (D, B, T, n) = h_{t-1} at t,
// h_T, c_T (D, B, n), gates (D, B, T, 4n) = [sigm(i), tanh(g), sigm(f + bias),
// sigm(o)], cells (D, B, T, n) = c_t, tanh_cells (D, B, T, n).
class LstmSequenceForwardOp : public OpKernel {
 public:
  explicit LstmSequenceForwardOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("forget_bias", &forget_bias_));
    OP_REQUIRES_OK(context, context->GetAttr("return_sequences", &return_sequences_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& projected = context->input(0);
    const Tensor& h0 = context->input(1);
    const Tensor& c0 = context->input(2);
    const Tensor& kernel = context->input(3);
    const Tensor& mask = context->input(4);
    OP_REQUIRES(context, projected.dims() == 4 && projected.dim_size(3) % 4 == 0,
                InvalidArgument("projected must be (D, B, T, 4n), got ",
                                projected.shape().DebugString()));
    const Sizes s(projected);
    const bool masked = mask.NumElements() > 0;
    if (!RequireShape(context, h0, "h0", {s.d, s.b, s.n}) ||
        !RequireShape(context, c0, "c0", {s.d, s.b, s.n}) ||
        !RequireShape(context, kernel, "kernel", {s.d, s.n, 4 * s.n}) ||
        (masked && !RequireShape(context, mask, "mask", {s.d, s.b, s.t, s.n}))) {
      return;
    }
    OP_REQUIRES(context, s.t > 0, InvalidArgument("projected has no steps"));

    const TensorShape sequence{s.d, s.b, s.t, s.n}, state{s.d, s.b, s.n};
    Tensor *outputs, *previous, *h_last, *c_last, *gates, *cells, *tanh_cells;
    OP_REQUIRES_OK(context, context->allocate_output(
                                0, return_sequences_ ? sequence : TensorShape{0}, &outputs));
    OP_REQUIRES_OK(context, context->allocate_output(1, sequence, &previous));
    OP_REQUIRES_OK(context, context->allocate_output(2, state, &h_last));
    OP_REQUIRES_OK(context, context->allocate_output(3, state, &c_last));
    OP_REQUIRES_OK(context, context->allocate_output(4, projected.shape(), &gates));
    OP_REQUIRES_OK(context, context->allocate_output(5, sequence, &cells));
    OP_REQUIRES_OK(context, context->allocate_output(6, sequence, &tanh_cells));
    // Packed kernel: per item, 4 panels (one per gate) of n x 64; scratch:
    // per item, the 4 gate blocks of a step (B x 64 each).
    Tensor packed, scratch;
    OP_REQUIRES_OK(context, context->allocate_temp(
                                ::tensorflow::DT_FLOAT,
                                TensorShape{s.items(), 4, s.n, kBlock}, &packed));
    OP_REQUIRES_OK(context, context->allocate_temp(
                                ::tensorflow::DT_FLOAT,
                                TensorShape{s.items(), 4, s.b, kBlock}, &scratch));

    const float* x = projected.flat<float>().data();
    const float* h0_data = h0.flat<float>().data();
    const float* c0_data = c0.flat<float>().data();
    const float* w = kernel.flat<float>().data();
    const float* m = masked ? mask.flat<float>().data() : nullptr;
    float* out = return_sequences_ ? outputs->flat<float>().data() : nullptr;
    float* prev = previous->flat<float>().data();
    float* h_end = h_last->flat<float>().data();
    float* c_end = c_last->flat<float>().data();
    float* act = gates->flat<float>().data();
    float* cell = cells->flat<float>().data();
    float* tanh_cell = tanh_cells->flat<float>().data();
    float* pack = packed.flat<float>().data();
    float* work = scratch.flat<float>().data();
    const int64_t B = s.b, T = s.t, n = s.n, G = 4 * s.n;
    const float bias = forget_bias_;

    auto stage = [&](int64_t stage_index, int64_t item) {
      const int64_t d = item / s.blocks, block = item % s.blocks, u0 = block * kBlock;
      const int64_t width = s.Width(block);
      float* panels = pack + item * 4 * n * kBlock;
      float* gate_blocks = work + item * 4 * B * kBlock;
      if (stage_index == 0) {  // pack this item's kernel columns; h_{-1} = h0
        for (int64_t q = 0; q < 4; ++q) {
          for (int64_t k = 0; k < n; ++k) {
            float* dst = panels + (q * n + k) * kBlock;
            const float* src = w + (d * n + k) * G + q * n + u0;
            std::copy(src, src + width, dst);
            std::fill(dst + width, dst + kBlock, 0.0f);
          }
        }
        for (int64_t b = 0; b < B; ++b) {
          const float* src = h0_data + (d * B + b) * n + u0;
          std::copy(src, src + width, prev + ((d * B + b) * T) * n + u0);
        }
        return;
      }
      const int64_t t = stage_index - 1;
      // gate_blocks[q] = h_{t-1} W[:, q n + u0 : q n + u0 + 64]
      const float* h_prev = prev + (d * B * T + t) * n;
      for (int64_t q = 0; q < 4; ++q) {
        PanelProduct(h_prev, T * n, B, panels + q * n * kBlock, n,
                     gate_blocks + q * B * kBlock, kBlock);
      }
      for (int64_t b = 0; b < B; ++b) {
        const int64_t seq = (d * B + b) * T + t;  // (d, b, t)
        const float* xa = x + seq * G + u0;
        float* ga = act + seq * G + u0;
        const float* pre = gate_blocks + b * kBlock;
        const int64_t qs = B * kBlock;  // stride between gate blocks in scratch
        Row in_gate(ga, width), tanh_g(ga + n, width), forget(ga + 2 * n, width),
            out_gate(ga + 3 * n, width);
        in_gate = (ConstRow(xa, width) + ConstRow(pre, width)).logistic();
        tanh_g = (ConstRow(xa + n, width) + ConstRow(pre + qs, width)).tanh();
        forget = ((ConstRow(xa + 2 * n, width) + ConstRow(pre + 2 * qs, width)) + bias)
                     .logistic();
        out_gate = (ConstRow(xa + 3 * n, width) + ConstRow(pre + 3 * qs, width)).logistic();
        const float* c_prev = t == 0 ? c0_data + (d * B + b) * n + u0 : cell + (seq - 1) * n + u0;
        Row c_row(cell + seq * n + u0, width), tanh_c(tanh_cell + seq * n + u0, width);
        if (m != nullptr) {
          c_row = forget * ConstRow(c_prev, width) +
                  in_gate * (tanh_g * ConstRow(m + seq * n + u0, width));
        } else {
          c_row = forget * ConstRow(c_prev, width) + in_gate * tanh_g;
        }
        tanh_c = c_row.tanh();
        // h_t goes where it is read next: previous at t + 1, the outputs, h_T.
        float* h = t + 1 < T ? prev + (seq + 1) * n + u0 : h_end + (d * B + b) * n + u0;
        Row(h, width) = out_gate * tanh_c;
        if (out != nullptr) std::copy(h, h + width, out + seq * n + u0);
        if (t + 1 == T) {
          std::copy(c_row.data(), c_row.data() + width, c_end + (d * B + b) * n + u0);
        }
      }
    };
    RunStages(context->device()->tensorflow_cpu_worker_threads()->workers, T + 1,
              s.items(), stage);
  }

 private:
  float forget_bias_ = 1.0f;
  bool return_sequences_ = true;
};

// Backward. Inputs: d_outputs (D, B, T, n) or empty, dh_T, dc_T (D, B, n),
// the forward's gates (D, B, T, 4n), cells and tanh_cells (D, B, T, n), c0
// (D, B, n), kernel (D, n, 4n), mask (D, B, T, n) or empty. Outputs:
// d_projected (D, B, T, 4n) = dL/da_t, dh0, dc0 (D, B, n).
class LstmSequenceBackwardOp : public OpKernel {
 public:
  explicit LstmSequenceBackwardOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& d_outputs = context->input(0);
    const Tensor& dh_last = context->input(1);
    const Tensor& dc_last = context->input(2);
    const Tensor& gates = context->input(3);
    const Tensor& cells = context->input(4);
    const Tensor& tanh_cells = context->input(5);
    const Tensor& c0 = context->input(6);
    const Tensor& kernel = context->input(7);
    const Tensor& mask = context->input(8);
    OP_REQUIRES(context, gates.dims() == 4 && gates.dim_size(3) % 4 == 0,
                InvalidArgument("gates must be (D, B, T, 4n), got ",
                                gates.shape().DebugString()));
    const Sizes s(gates);
    const bool with_outputs = d_outputs.NumElements() > 0, masked = mask.NumElements() > 0;
    if ((with_outputs &&
         !RequireShape(context, d_outputs, "d_outputs", {s.d, s.b, s.t, s.n})) ||
        !RequireShape(context, dh_last, "dh_T", {s.d, s.b, s.n}) ||
        !RequireShape(context, dc_last, "dc_T", {s.d, s.b, s.n}) ||
        !RequireShape(context, cells, "cells", {s.d, s.b, s.t, s.n}) ||
        !RequireShape(context, tanh_cells, "tanh_cells", {s.d, s.b, s.t, s.n}) ||
        !RequireShape(context, c0, "c0", {s.d, s.b, s.n}) ||
        !RequireShape(context, kernel, "kernel", {s.d, s.n, 4 * s.n}) ||
        (masked && !RequireShape(context, mask, "mask", {s.d, s.b, s.t, s.n}))) {
      return;
    }
    OP_REQUIRES(context, s.t > 0, InvalidArgument("gates has no steps"));

    Tensor *d_projected, *dh0, *dc0;
    OP_REQUIRES_OK(context, context->allocate_output(0, gates.shape(), &d_projected));
    OP_REQUIRES_OK(context, context->allocate_output(1, dh_last.shape(), &dh0));
    OP_REQUIRES_OK(context, context->allocate_output(2, dc_last.shape(), &dc0));
    // Packed kernel rows: per item, a 4n x 64 panel (its units' rows of W,
    // transposed); scratch: per item, dh of its units (B x 64).
    Tensor packed, scratch;
    OP_REQUIRES_OK(context, context->allocate_temp(
                                ::tensorflow::DT_FLOAT,
                                TensorShape{s.items(), 4 * s.n, kBlock}, &packed));
    OP_REQUIRES_OK(context, context->allocate_temp(
                                ::tensorflow::DT_FLOAT, TensorShape{s.items(), s.b, kBlock},
                                &scratch));

    const float* dy = with_outputs ? d_outputs.flat<float>().data() : nullptr;
    const float* dh_end = dh_last.flat<float>().data();
    const float* dc_end = dc_last.flat<float>().data();
    const float* act = gates.flat<float>().data();
    const float* cell = cells.flat<float>().data();
    const float* tanh_cell = tanh_cells.flat<float>().data();
    const float* c0_data = c0.flat<float>().data();
    const float* w = kernel.flat<float>().data();
    const float* m = masked ? mask.flat<float>().data() : nullptr;
    float* dx = d_projected->flat<float>().data();
    float* dh_first = dh0->flat<float>().data();
    float* dc = dc0->flat<float>().data();  // carried dL/dc_t, dL/dc_0 at the end
    float* pack = packed.flat<float>().data();
    float* work = scratch.flat<float>().data();
    const int64_t B = s.b, T = s.t, n = s.n, G = 4 * s.n;

    // Stage 0 packs and starts the carries; stage j in [1, T] does step
    // t = T - j; stage T + 1 gives dh0.
    auto stage = [&](int64_t stage_index, int64_t item) {
      const int64_t d = item / s.blocks, block = item % s.blocks, u0 = block * kBlock;
      const int64_t width = s.Width(block);
      float* panel = pack + item * G * kBlock;
      float* dh = work + item * B * kBlock;
      if (stage_index == 0) {
        if (width < kBlock) std::fill(panel, panel + G * kBlock, 0.0f);
        for (int64_t u = 0; u < width; ++u) {  // row u0 + u of W, contiguous
          const float* src = w + (d * n + u0 + u) * G;
          for (int64_t j = 0; j < G; ++j) panel[j * kBlock + u] = src[j];
        }
        for (int64_t b = 0; b < B; ++b) {
          const int64_t at = (d * B + b) * n + u0;
          std::copy(dh_end + at, dh_end + at + width, dh + b * kBlock);
          std::copy(dc_end + at, dc_end + at + width, dc + at);
        }
        return;
      }
      const int64_t t = T - stage_index;  // -1 in the last stage
      if (stage_index > 1) {
        // dh_t for this item's units = dL/da_{t+1} . W[units, :]^T
        PanelProduct(dx + (d * B * T + t + 1) * G, T * G, B, panel, G,
                     dh, kBlock);
      }
      if (t < 0) {
        for (int64_t b = 0; b < B; ++b) {
          std::copy(dh + b * kBlock, dh + b * kBlock + width, dh_first + (d * B + b) * n + u0);
        }
        return;
      }
      for (int64_t b = 0; b < B; ++b) {
        const int64_t seq = (d * B + b) * T + t, at = (d * B + b) * n + u0;
        const float* g = act + seq * G + u0;
        const ConstRow in_gate(g, width), tanh_g(g + n, width), forget(g + 2 * n, width),
            out_gate(g + 3 * n, width), tanh_c(tanh_cell + seq * n + u0, width);
        const float* c_prev = t == 0 ? c0_data + at : cell + (seq - 1) * n + u0;
        Row dh_total(dh + b * kBlock, width), dc_total(dc + at, width);
        if (dy != nullptr) dh_total += ConstRow(dy + seq * n + u0, width);
        dc_total += dh_total * out_gate * (1.0f - tanh_c.square());
        float* da = dx + seq * G + u0;
        Row d_i(da, width), d_g(da + n, width), d_f(da + 2 * n, width), d_o(da + 3 * n, width);
        if (m != nullptr) {
          const ConstRow mask_row(m + seq * n + u0, width);
          d_i = dc_total * (tanh_g * mask_row) * in_gate * (1.0f - in_gate);
          d_g = dc_total * in_gate * mask_row * (1.0f - tanh_g.square());
        } else {
          d_i = dc_total * tanh_g * in_gate * (1.0f - in_gate);
          d_g = dc_total * in_gate * (1.0f - tanh_g.square());
        }
        d_f = dc_total * ConstRow(c_prev, width) * forget * (1.0f - forget);
        d_o = dh_total * tanh_c * out_gate * (1.0f - out_gate);
        dc_total *= forget;
      }
    };
    RunStages(context->device()->tensorflow_cpu_worker_threads()->workers, T + 2,
              s.items(), stage);
  }
};

REGISTER_OP("TfDeepexagLstmSequenceForward")
    .Input("projected: float")
    .Input("h0: float")
    .Input("c0: float")
    .Input("kernel: float")
    .Input("mask: float")
    .Output("outputs: float")
    .Output("previous: float")
    .Output("h_last: float")
    .Output("c_last: float")
    .Output("gates: float")
    .Output("cells: float")
    .Output("tanh_cells: float")
    .Attr("forget_bias: float = 1.0")
    .Attr("return_sequences: bool = true")
    .SetShapeFn([](InferenceContext* c) {
      bool return_sequences;
      TF_RETURN_IF_ERROR(c->GetAttr("return_sequences", &return_sequences));
      auto projected = c->input(0);
      ::tensorflow::shape_inference::ShapeHandle sequence = projected;
      if (c->RankKnown(projected)) {
        TF_RETURN_IF_ERROR(c->ReplaceDim(projected, 3, c->Dim(c->input(1), 2), &sequence));
      }
      c->set_output(0, return_sequences ? sequence : c->Vector(0));
      c->set_output(1, sequence);
      c->set_output(2, c->input(1));
      c->set_output(3, c->input(2));
      c->set_output(4, projected);
      c->set_output(5, sequence);
      c->set_output(6, sequence);
      return ::tensorflow::OkStatus();
    });

REGISTER_OP("TfDeepexagLstmSequenceBackward")
    .Input("d_outputs: float")
    .Input("dh_last: float")
    .Input("dc_last: float")
    .Input("gates: float")
    .Input("cells: float")
    .Input("tanh_cells: float")
    .Input("c0: float")
    .Input("kernel: float")
    .Input("mask: float")
    .Output("d_projected: float")
    .Output("dh0: float")
    .Output("dc0: float")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(3));
      c->set_output(1, c->input(1));
      c->set_output(2, c->input(2));
      return ::tensorflow::OkStatus();
    });

REGISTER_KERNEL_BUILDER(Name("TfDeepexagLstmSequenceForward").Device(DEVICE_CPU),
                        LstmSequenceForwardOp);
REGISTER_KERNEL_BUILDER(Name("TfDeepexagLstmSequenceBackward").Device(DEVICE_CPU),
                        LstmSequenceBackwardOp);

}  // namespace
}  // namespace tf_deepexag
