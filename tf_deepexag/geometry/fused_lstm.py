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

Mathematical details (per step, `x_t` already projected, dropout mask m_t
scaled by 1 / keep, or 1):
    a = x_t + h_{t-1} W;  i, g, f, o = split(a)
    I = sigm(i), G = tanh(g) m_t, F = sigm(f + forget_bias), O = sigm(o)
    c_t = F c_{t-1} + I G,  h_t = O tanh(c_t)
Backward, with `dh` = dL/dh_t (output plus recurrent) and `dc` carried:
    dc += dh O (1 - tanh(c_t)^2)
    da = [dc G I (1 - I), dc I m_t (1 - tanh(g)^2), dc c_{t-1} F (1 - F),
          dh tanh(c_t) O (1 - O)]
    dh_{t-1} = da W^T,  dc_{t-1} = dc F,  dW = sum_t h_{t-1}^T da_t.
"""

import tensorflow as tf


def _gates(projected_t, h, kernel, forget_bias, mask_t):
    """One forward step's gate activations; see the module docstring."""
    a = projected_t + tf.matmul(h, kernel)                         # (D, B, 4n)
    i, g, f, o = tf.split(a, 4, axis=-1)
    tanh_g = tf.tanh(g)
    candidate = tanh_g if mask_t is None else tanh_g * mask_t
    return tf.sigmoid(i), tanh_g, candidate, tf.sigmoid(f + forget_bias), tf.sigmoid(o)


def _or_zeros(gradient, like):
    """An unconnected output's gradient (None) as zeros."""
    return tf.zeros_like(like) if gradient is None else gradient


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
    masks = [None] * steps if mask is None else tf.unstack(tf.stop_gradient(mask), axis=2)

    @tf.custom_gradient
    def run(projected, h0, c0, kernel):
        inputs = tf.unstack(projected, axis=2)                     # T x (D, B, 4n)
        h, c = h0, c0
        hs, saved = [], []
        for t in range(steps):
            in_gate, tanh_g, candidate, forget, out_gate = _gates(
                inputs[t], h, kernel, forget_bias, masks[t])
            c_prev = c
            c = forget * c + in_gate * candidate
            tanh_c = tf.tanh(c)
            h_prev, h = h, out_gate * tanh_c
            saved.append((h_prev, c_prev, in_gate, tanh_g, candidate, forget, out_gate,
                          tanh_c))
            hs.append(h)
        outputs = tf.stack(hs, axis=2) if return_sequences else None  # (D, B, T, n)

        def grad(*upstream):
            d_h, d_c = upstream[-2:]
            d_steps = (tf.unstack(_or_zeros(upstream[0], outputs), axis=2)
                       if return_sequences else [None] * steps)
            dh, dc = _or_zeros(d_h, h), _or_zeros(d_c, c)
            d_gates, previous = [None] * steps, [None] * steps
            for t in reversed(range(steps)):
                h_prev, c_prev, in_gate, tanh_g, candidate, forget, out_gate, tanh_c = \
                    saved[t]
                if d_steps[t] is not None:
                    dh = dh + d_steps[t]
                dc = dc + dh * out_gate * (1.0 - tf.square(tanh_c))
                d_tanh_g = dc * in_gate if masks[t] is None else dc * in_gate * masks[t]
                d_gates[t] = tf.concat([
                    dc * candidate * in_gate * (1.0 - in_gate),
                    d_tanh_g * (1.0 - tf.square(tanh_g)),
                    dc * c_prev * forget * (1.0 - forget),
                    dh * tanh_c * out_gate * (1.0 - out_gate)], axis=-1)  # (D, B, 4n)
                previous[t] = h_prev
                dh = tf.matmul(d_gates[t], kernel, transpose_b=True)
                dc = dc * forget
            d_projected = tf.stack(d_gates, axis=2)                # (D, B, T, 4n)
            shape = tf.shape(d_projected)
            flat_d = tf.reshape(d_projected, [shape[0], -1, shape[3]])
            flat_h = tf.reshape(tf.stack(previous, axis=2), [shape[0], -1, tf.shape(h0)[2]])
            d_kernel = tf.matmul(flat_h, flat_d, transpose_a=True)  # (D, n, 4n)
            return d_projected, dh, dc, d_kernel

        results = (outputs, h, c) if return_sequences else (h, c)
        return results, grad

    results = run(projected, h0, c0, kernel)
    return tuple(results) if return_sequences else (None,) + tuple(results)
