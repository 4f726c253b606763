"""The plain LSTM recurrence over a whole sequence, with a hand-written backward pass.

Shapes: D independent LSTMs run side by side (the encoder's two directions,
or 1), B batch, T steps, n units.

Why: autodiff of a step loop computes the weight gradient as T small
matrix products of depth B (`h_{t-1}^T dgates_t`, 68 of `(n, 64) x (64, 4n)`)
and keeps a `tf.while_loop` gradient machinery per step. Here the backward
loop carries only `dh` and `dc` (one `(B, 4n) x (4n, n)` product a step),
stores the gate gradients, and the recurrent-kernel gradient is then one
product of depth B T over all steps: cuDNN's split of the work. The D
directions share one batched product per step. The forward values are
those of `SketchLSTMCell` (plain variant) step by step; the layer-norm
variant keeps the generic Keras RNN path.

Where the native kernels build (`tf_deepexag.native`), float32 sequences
run as one op each way (`kernels/lstm_sequence_ops.cc`): all steps'
products and elementwise work, the threads kept between steps and every
per-step result written in place, instead of ~4 ops a step dispatched by the
executor (bench/vae_train.py: the train step 1.25-1.5x faster). They agree with
the TensorFlow steps below (float64, or `TF_DEEPEXAG_NATIVE=0`) to float32
rounding (tests/geometry/test_fused_lstm.py). XLA cannot compile them: under
`jit_compile=True` set `TF_DEEPEXAG_NATIVE=0`. Exported graphs use unrolled
copies of the layers and hold no native op.
"""

import tensorflow as tf

from tf_deepexag import native


def _or_zeros(gradient, like):
    """An unconnected output's gradient (None) as zeros."""
    return tf.zeros_like(like) if gradient is None else gradient


class _TensorFlowSteps:
    """The step arithmetic of the module docstring as TensorFlow ops."""

    def __init__(self, projected, mask, forget_bias):
        self._inputs = tf.unstack(projected, axis=-2)              # T x (..., 4n)
        self._masks = [None] * len(self._inputs) if mask is None else tf.unstack(mask, axis=-2)
        self._forget_bias = forget_bias

    def forward(self, t, recurrent, c_prev):
        """`(h_t, c_t, saved)` from `recurrent = h_{t-1} W` and `c_{t-1}`."""
        i, g, f, o = tf.split(self._inputs[t] + recurrent, 4, axis=-1)
        in_gate, tanh_g = tf.sigmoid(i), tf.tanh(g)
        forget, out_gate = tf.sigmoid(f + self._forget_bias), tf.sigmoid(o)
        candidate = tanh_g if self._masks[t] is None else tanh_g * self._masks[t]
        c = forget * c_prev + in_gate * candidate
        tanh_c = tf.tanh(c)
        return out_gate * tanh_c, c, (c_prev, in_gate, tanh_g, candidate, forget, out_gate,
                                      tanh_c)

    def backward(self, t, dh, dc, d_outputs, saved):
        """`(dL/da_t (D, B, 4n), dL/dc_{t-1})` from the carried `dh`, `dc`."""
        c_prev, in_gate, tanh_g, candidate, forget, out_gate, tanh_c = saved
        if d_outputs is not None:
            dh = dh + d_outputs[t]
        dc = dc + dh * out_gate * (1.0 - tf.square(tanh_c))
        mask = self._masks[t]
        d_tanh_g = dc * in_gate if mask is None else dc * in_gate * mask
        d_gates = tf.concat([
            dc * candidate * in_gate * (1.0 - in_gate),
            d_tanh_g * (1.0 - tf.square(tanh_g)),
            dc * c_prev * forget * (1.0 - forget),
            dh * tanh_c * out_gate * (1.0 - out_gate)], axis=-1)   # (..., 4n)
        return d_gates, dc * forget


def lstm_sequence(projected, h0, c0, kernel, forget_bias=1.0, mask=None,
                  return_sequences=True):
    """Runs D plain LSTMs over pre-projected inputs; differentiable.

    Args:
        projected: float `(D, B, T, 4n)` inputs already multiplied by the
            input kernel, bias added (gate order i, g, f, o).
        h0, c0: `(D, B, n)` initial state.
        kernel: `(D, n, 4n)` recurrent kernels.
        forget_bias: float added to the forget gate. Defaults to 1.0.
        mask: optional `(D, B, T, n)` dropout mask on the candidate (zeros
            and `1 / keep`); not differentiated.
        return_sequences: bool; False skips stacking the per-step outputs
            (the encoder uses only the final state). Defaults to True.

    Returns:
        `(outputs (D, B, T, n) or None, h_T (D, B, n), c_T (D, B, n))`.
    """
    steps = projected.shape[2]
    if steps is None:
        raise ValueError(f"`projected` needs a static number of steps, got shape "
                         f"{projected.shape}.")
    mask = None if mask is None else tf.stop_gradient(mask)
    kernels = native.ops()
    if kernels is not None and projected.dtype == tf.float32:
        return _native_sequence(kernels, projected, h0, c0, kernel, forget_bias, mask,
                                return_sequences)

    @tf.custom_gradient
    def run(projected, h0, c0, kernel):
        cells = _TensorFlowSteps(projected, mask, forget_bias)
        h, c = h0, c0
        hs, previous, saved = [], [], []
        for t in range(steps):
            previous.append(h)
            h, c, step_saved = cells.forward(t, tf.matmul(h, kernel), c)
            saved.append(step_saved)
            hs.append(h)
        outputs = tf.stack(hs, axis=2) if return_sequences else None  # (D, B, T, n)

        def grad(*upstream):
            d_h, d_c = upstream[-2:]
            d_outputs = (tf.unstack(_or_zeros(upstream[0], outputs), axis=-2)
                         if return_sequences else None)
            dh, dc = _or_zeros(d_h, h), _or_zeros(d_c, c)
            d_gates = [None] * steps
            for t in reversed(range(steps)):
                d_gates[t], dc = cells.backward(t, dh, dc, d_outputs, saved[t])
                dh = tf.matmul(d_gates[t], kernel, transpose_b=True)
            d_projected = tf.stack(d_gates, axis=2)                # (D, B, T, 4n)
            return (d_projected, dh, dc,
                    _kernel_gradient(tf.stack(previous, axis=2), d_projected))

        results = (outputs, h, c) if return_sequences else (h, c)
        return results, grad

    results = run(projected, h0, c0, kernel)
    return tuple(results) if return_sequences else (None,) + tuple(results)


def _kernel_gradient(previous, d_projected):
    """dW = sum over batch and steps of h_{t-1}^T da_t, as one product.

    Args:
        previous: `(D, B, T, n)` h_{t-1} at each step t.
        d_projected: `(D, B, T, 4n)` gate gradients.

    Returns:
        `(D, n, 4n)`.
    """
    shape = tf.shape(d_projected)
    flat_d = tf.reshape(d_projected, [shape[0], -1, shape[3]])         # (D, B T, 4n)
    flat_h = tf.reshape(previous, [shape[0], -1, tf.shape(previous)[3]])  # (D, B T, n)
    return tf.matmul(flat_h, flat_d, transpose_a=True)


def _native_sequence(kernels, projected, h0, c0, kernel, forget_bias, mask, return_sequences):
    """`lstm_sequence` (float32) as one native op each way
    (`kernels/lstm_sequence_ops.cc`): the forward saves every step's gates,
    cells and their tanh for the backward, which gives the gate gradients;
    the kernel's gradient is the same one product as on the TensorFlow path."""
    empty = tf.zeros([0], projected.dtype)
    mask_or_empty = empty if mask is None else mask

    @tf.custom_gradient
    def run(projected, h0, c0, kernel):
        outputs, previous, h, c, gates, cells, tanh_cells = (
            kernels.tf_deepexag_lstm_sequence_forward(
                projected, h0, c0, kernel, mask_or_empty, forget_bias=float(forget_bias),
                return_sequences=return_sequences))

        def grad(*upstream):
            d_h, d_c = upstream[-2:]
            d_outputs = upstream[0] if return_sequences else None
            d_projected, dh0, dc0 = kernels.tf_deepexag_lstm_sequence_backward(
                empty if d_outputs is None else d_outputs, _or_zeros(d_h, h),
                _or_zeros(d_c, c), gates, cells, tanh_cells, c0, kernel, mask_or_empty)
            return d_projected, dh0, dc0, _kernel_gradient(previous, d_projected)

        results = (outputs, h, c) if return_sequences else (h, c)
        return results, grad

    results = run(projected, h0, c0, kernel)
    return tuple(results) if return_sequences else (None,) + tuple(results)
