// TfDeepexagLstmCellForward / TfDeepexagLstmCellBackward: one step of the
// plain LSTM of tf_deepexag/geometry/fused_lstm.py, all its elementwise work
// in one kernel each way (loaded by tf_deepexag/native.py).
//
// Shapes: `...` leading axes (D LSTMs side by side and B batch, or B alone),
// S steps, n units; a row is one index of the leading axes. The recurrent
// product `h_{t-1} W` stays a TensorFlow matmul.
//
// Why: a step of fused_lstm.py's TensorFlow path is about 14 elementwise ops
// forward and 20 backward on (D, B, n) tensors, each dispatched by the
// executor; at 68 steps, three LSTMs and batch 64 the dispatches, not the
// arithmetic, are most of the non-matmul time. The kernels read step `step`
// of the whole `projected`, mask and output-gradient tensors in place, so the
// per-step slices are not copied either.
//
// Numerics: the activations are Eigen's `logistic()` and `tanh()` on arrays,
// the functors of TensorFlow's Sigmoid and Tanh kernels, and the products and
// sums are those of fused_lstm.py in the same order. Compiled without FMA
// (tf_deepexag/native.py), as the TensorFlow wheel's Eigen kernels are, and
// with -ffp-contract=off, they give the TensorFlow path's bits
// (tests/geometry/test_fused_lstm.py).

#include <cstdint>

#include "Eigen/Core"
#include "../../warp/kernels/common.h"  // the TensorFlow names the kernels use

namespace tf_deepexag {
namespace {

template <typename T>
using Row = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstRow = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// `tensor` is (..., width) for a state (`sequence` false) or (..., S, width)
// for a sequence, with the leading axes `...` of `like`, a (..., width')
// state tensor.
bool SameRows(const Tensor& tensor, const Tensor& like, bool sequence, int64_t width) {
  const int leading = like.dims() - 1;
  if (tensor.dims() != leading + (sequence ? 2 : 1) || tensor.dim_size(tensor.dims() - 1) != width)
    return false;
  for (int axis = 0; axis < leading; ++axis) {
    if (tensor.dim_size(axis) != like.dim_size(axis)) return false;
  }
  return true;
}

// The number of rows of a state tensor (the product of its leading axes).
int64_t Rows(const Tensor& state) { return state.NumElements() / state.dim_size(state.dims() - 1); }

// Rows are split between the intra-op threads in blocks (each row is n units
// of a few transcendentals and products).
template <typename F>
void ForRows(OpKernelContext* context, int64_t rows, int64_t units, F&& body) {
  auto* pool = context->device()->tensorflow_cpu_worker_threads()->workers;
  pool->ParallelFor(rows, 60 * units, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) body(row);
  });
}

// Validates a (..., S, width) per-step tensor, or an empty one (absent).
bool OptionalSequence(OpKernelContext* context, const Tensor& tensor, const Tensor& like,
                      int64_t steps, int64_t width, const char* name) {
  if (tensor.NumElements() == 0) return false;
  if (!SameRows(tensor, like, true, width) || tensor.dim_size(tensor.dims() - 2) != steps) {
    context->CtxFailure(InvalidArgument(name, " must be empty or (..., ", steps, ", ", width,
                                        ") with the leading axes of ",
                                        like.shape().DebugString(), ", got ",
                                        tensor.shape().DebugString()));
  }
  return true;
}

// Forward step. Inputs: projected (..., S, 4n), recurrent = h_{t-1} W
// (..., 4n), c_prev (..., n), mask (..., S, n) or empty. Outputs: h, c
// (..., n), gates (..., 4n) = [sigm(i), tanh(g), sigm(f + bias), sigm(o)],
// tanh_c (..., n).
template <typename T>
class LstmCellForwardOp : public OpKernel {
 public:
  explicit LstmCellForwardOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("step", &step_));
    OP_REQUIRES_OK(context, context->GetAttr("forget_bias", &forget_bias_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& projected = context->input(0);
    const Tensor& recurrent = context->input(1);
    const Tensor& c_prev = context->input(2);
    const Tensor& mask = context->input(3);
    OP_REQUIRES(context, c_prev.dims() >= 2,
                InvalidArgument("c_prev must be (..., n), got ", c_prev.shape().DebugString()));
    const int64_t units = c_prev.dim_size(c_prev.dims() - 1), rows = Rows(c_prev);
    OP_REQUIRES(context, SameRows(recurrent, c_prev, false, 4 * units),
                InvalidArgument("recurrent must be (..., 4n) with c_prev's ",
                                c_prev.shape().DebugString(), ", got ",
                                recurrent.shape().DebugString()));
    OP_REQUIRES(context, SameRows(projected, c_prev, true, 4 * units),
                InvalidArgument("projected must be (..., S, 4n) with c_prev's ",
                                c_prev.shape().DebugString(), ", got ",
                                projected.shape().DebugString()));
    const int64_t steps = projected.dim_size(projected.dims() - 2);
    OP_REQUIRES(context, step_ >= 0 && step_ < steps,
                InvalidArgument("step ", step_, " outside the ", steps, " steps"));
    const bool masked = OptionalSequence(context, mask, c_prev, steps, units, "mask");
    if (!context->status().ok()) return;

    const TensorShape state_shape = c_prev.shape();
    Tensor *h = nullptr, *c = nullptr, *gates = nullptr, *tanh_c = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(0, state_shape, &h));
    OP_REQUIRES_OK(context, context->allocate_output(1, state_shape, &c));
    OP_REQUIRES_OK(context, context->allocate_output(2, recurrent.shape(), &gates));
    OP_REQUIRES_OK(context, context->allocate_output(3, state_shape, &tanh_c));

    const T* projected_data = projected.flat<T>().data();
    const T* recurrent_data = recurrent.flat<T>().data();
    const T* c_prev_data = c_prev.flat<T>().data();
    const T* mask_data = masked ? mask.flat<T>().data() : nullptr;
    T* h_data = h->flat<T>().data();
    T* c_data = c->flat<T>().data();
    T* gates_data = gates->flat<T>().data();
    T* tanh_c_data = tanh_c->flat<T>().data();
    const int64_t step = step_, n = units;
    const T bias = static_cast<T>(forget_bias_);
    ForRows(context, rows, units, [&](int64_t row) {
      const T* a = projected_data + (row * steps + step) * 4 * n;
      const T* r = recurrent_data + row * 4 * n;
      T* g = gates_data + row * 4 * n;
      Row<T> in_gate(g, n), tanh_g(g + n, n), forget(g + 2 * n, n), out_gate(g + 3 * n, n);
      in_gate = (ConstRow<T>(a, n) + ConstRow<T>(r, n)).logistic();
      tanh_g = (ConstRow<T>(a + n, n) + ConstRow<T>(r + n, n)).tanh();
      forget = ((ConstRow<T>(a + 2 * n, n) + ConstRow<T>(r + 2 * n, n)) + bias).logistic();
      out_gate = (ConstRow<T>(a + 3 * n, n) + ConstRow<T>(r + 3 * n, n)).logistic();
      Row<T> c_row(c_data + row * n, n), tanh_c_row(tanh_c_data + row * n, n);
      const ConstRow<T> c_prev_row(c_prev_data + row * n, n);
      if (masked) {
        const ConstRow<T> m(mask_data + (row * steps + step) * n, n);
        c_row = forget * c_prev_row + in_gate * (tanh_g * m);
      } else {
        c_row = forget * c_prev_row + in_gate * tanh_g;
      }
      tanh_c_row = c_row.tanh();
      Row<T>(h_data + row * n, n) = out_gate * tanh_c_row;
    });
  }

 private:
  int step_ = 0;
  float forget_bias_ = 1.0f;
};

// Backward step. Inputs: dh = dL/dh_t carried (..., n), dc (..., n),
// d_outputs (..., S, n) or empty (added to dh at `step`), the forward's
// gates (..., 4n), tanh_c and c_prev (..., n), mask (..., S, n) or empty.
// Outputs: d_gates = dL/da_t (..., 4n) and dc_prev = dL/dc_{t-1} (..., n).
template <typename T>
class LstmCellBackwardOp : public OpKernel {
 public:
  explicit LstmCellBackwardOp(OpKernelConstruction* context) : OpKernel(context) {
    OP_REQUIRES_OK(context, context->GetAttr("step", &step_));
  }

  void Compute(OpKernelContext* context) override {
    const Tensor& dh = context->input(0);
    const Tensor& dc = context->input(1);
    const Tensor& d_outputs = context->input(2);
    const Tensor& gates = context->input(3);
    const Tensor& tanh_c = context->input(4);
    const Tensor& c_prev = context->input(5);
    const Tensor& mask = context->input(6);
    OP_REQUIRES(context, c_prev.dims() >= 2,
                InvalidArgument("c_prev must be (..., n), got ", c_prev.shape().DebugString()));
    const int64_t units = c_prev.dim_size(c_prev.dims() - 1), rows = Rows(c_prev);
    OP_REQUIRES(context, SameRows(gates, c_prev, false, 4 * units),
                InvalidArgument("gates must be (..., 4n) with c_prev's ",
                                c_prev.shape().DebugString(), ", got ",
                                gates.shape().DebugString()));
    for (const Tensor* state : {&dh, &dc, &tanh_c}) {
      OP_REQUIRES(context, state->shape() == c_prev.shape(),
                  InvalidArgument("dh, dc and tanh_c must have c_prev's shape ",
                                  c_prev.shape().DebugString(), ", got ",
                                  state->shape().DebugString()));
    }
    // The number of steps is that of whichever sequence tensor is present.
    const int64_t time_axis = c_prev.dims() - 1;
    const int64_t steps = d_outputs.NumElements() > 0 ? d_outputs.dim_size(time_axis)
                          : mask.NumElements() > 0   ? mask.dim_size(time_axis)
                                                     : step_ + 1;
    OP_REQUIRES(context, step_ >= 0 && step_ < steps,
                InvalidArgument("step ", step_, " outside the ", steps, " steps"));
    const bool with_outputs =
        OptionalSequence(context, d_outputs, c_prev, steps, units, "d_outputs");
    if (!context->status().ok()) return;
    const bool masked = OptionalSequence(context, mask, c_prev, steps, units, "mask");
    if (!context->status().ok()) return;

    Tensor *d_gates = nullptr, *dc_prev = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(0, gates.shape(), &d_gates));
    OP_REQUIRES_OK(context, context->allocate_output(1, dc.shape(), &dc_prev));

    const T* dh_data = dh.flat<T>().data();
    const T* dc_data = dc.flat<T>().data();
    const T* d_outputs_data = with_outputs ? d_outputs.flat<T>().data() : nullptr;
    const T* gates_data = gates.flat<T>().data();
    const T* tanh_c_data = tanh_c.flat<T>().data();
    const T* c_prev_data = c_prev.flat<T>().data();
    const T* mask_data = masked ? mask.flat<T>().data() : nullptr;
    T* d_gates_data = d_gates->flat<T>().data();
    T* dc_prev_data = dc_prev->flat<T>().data();
    const int64_t step = step_, n = units;
    const T one = static_cast<T>(1);
    ForRows(context, rows, units, [&](int64_t row) {
      const T* g = gates_data + row * 4 * n;
      const ConstRow<T> in_gate(g, n), tanh_g(g + n, n), forget(g + 2 * n, n),
          out_gate(g + 3 * n, n);
      const ConstRow<T> tanh_c_row(tanh_c_data + row * n, n);
      T* d = d_gates_data + row * 4 * n;
      Row<T> d_i(d, n), d_g(d + n, n), d_f(d + 2 * n, n), d_o(d + 3 * n, n);
      Row<T> dc_total(dc_prev_data + row * n, n);  // dc at step t, then times F
      // d_o holds dh (plus this step's output gradient) until its last use.
      Row<T> dh_total = d_o;
      if (with_outputs) {
        dh_total = ConstRow<T>(dh_data + row * n, n) +
                   ConstRow<T>(d_outputs_data + (row * steps + step) * n, n);
      } else {
        dh_total = ConstRow<T>(dh_data + row * n, n);
      }
      dc_total = ConstRow<T>(dc_data + row * n, n) +
                 dh_total * out_gate * (one - tanh_c_row.square());
      d_f = dc_total * ConstRow<T>(c_prev_data + row * n, n) * forget * (one - forget);
      if (masked) {
        const ConstRow<T> m(mask_data + (row * steps + step) * n, n);
        d_i = dc_total * (tanh_g * m) * in_gate * (one - in_gate);
        d_g = dc_total * in_gate * m * (one - tanh_g.square());
      } else {
        d_i = dc_total * tanh_g * in_gate * (one - in_gate);
        d_g = dc_total * in_gate * (one - tanh_g.square());
      }
      d_o = dh_total * tanh_c_row * out_gate * (one - out_gate);
      dc_total = dc_total * forget;
    });
  }

 private:
  int step_ = 0;
};

REGISTER_OP("TfDeepexagLstmCellForward")
    .Input("projected: T")
    .Input("recurrent: T")
    .Input("c_prev: T")
    .Input("mask: T")
    .Output("h: T")
    .Output("c: T")
    .Output("gates: T")
    .Output("tanh_c: T")
    .Attr("step: int")
    .Attr("forget_bias: float = 1.0")
    .Attr("T: {float, double}")
    .SetShapeFn([](InferenceContext* c) {
      for (int output : {0, 1, 3}) c->set_output(output, c->input(2));
      c->set_output(2, c->input(1));
      return ::tensorflow::OkStatus();
    });

REGISTER_OP("TfDeepexagLstmCellBackward")
    .Input("dh: T")
    .Input("dc: T")
    .Input("d_outputs: T")
    .Input("gates: T")
    .Input("tanh_c: T")
    .Input("c_prev: T")
    .Input("mask: T")
    .Output("d_gates: T")
    .Output("dc_prev: T")
    .Attr("step: int")
    .Attr("T: {float, double}")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(3));
      c->set_output(1, c->input(1));
      return ::tensorflow::OkStatus();
    });

#define REGISTER(T)                                                                       \
  REGISTER_KERNEL_BUILDER(                                                                \
      Name("TfDeepexagLstmCellForward").Device(DEVICE_CPU).TypeConstraint<T>("T"),        \
      LstmCellForwardOp<T>);                                                              \
  REGISTER_KERNEL_BUILDER(                                                                \
      Name("TfDeepexagLstmCellBackward").Device(DEVICE_CPU).TypeConstraint<T>("T"),       \
      LstmCellBackwardOp<T>);
REGISTER(float)
REGISTER(double)
#undef REGISTER

}  // namespace
}  // namespace tf_deepexag
