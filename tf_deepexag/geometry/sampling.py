"""Step-by-step generation with explicit noise tensors.

Shapes: B batch, T = 68 steps, Z = `z_size`, M mixtures.

All randomness enters as inputs (`eps_z`, `uniforms`, `normals`), so the same
graph can be exported to TFLite, which has no stateless random ops. The draws
are the reparameterised forms of the distributions `mixture_distribution`
defines (tests compare them with TFP's `sample()`):
    component k = #{j : cumsum(pi)_j < u0}          (inverse CDF of pi)
    (dx, dy) = mu_k + L_k (n0, n1)^T                (L_k the Cholesky factor)
    i.e. dx = mu1 + s1 n0,  dy = mu2 + s2 (rho n0 + sqrt(1 - rho^2) n1)

Temperature 0 means deterministic, and this module is the one place that
says so: with `temperature <= 0` the sampler uses z = mu, the most likely
component and its mean (the noise is read by no result). The choice is a
select on the temperature tensor, not control flow, so one graph serves both
modes (eager, `tf.function`, SavedModel and TFLite alike; the TFLite
converter's dynamic-range quantizer leaves weights inside `IF` branches in
float32).
"""

import functools
import threading
import weakref

import tensorflow as tf

from tf_deepexag.geometry import mixture
from tf_deepexag.geometry.model import START_TOKEN

# Positive temperatures below this are raised to it: sketch-rnn divides the
# logits by the temperature, and 1e-6 already makes them one-hot.
MIN_TEMPERATURE = 1e-6


def _inverse_cdf(probs, u):
    """Index k with cumsum(probs)_{k-1} <= u < cumsum(probs)_k, `(B,)` int32."""
    below = tf.cast(tf.math.cumsum(probs, axis=-1) < u[:, None], tf.int32)
    return tf.minimum(tf.reduce_sum(below, axis=-1), tf.shape(probs)[-1] - 1)


def _pick(values, one_hot):
    return tf.reduce_sum(values * one_hot, axis=-1)


def sampling_temperature(temperature):
    """`(sampled, effective)`: a bool scalar, `temperature > 0`, and the float32
    temperature the mixture uses (raised to `MIN_TEMPERATURE`; 1 when not
    sampled, where it changes neither the argmax nor the means)."""
    temperature = tf.convert_to_tensor(temperature, tf.float32)
    sampled = temperature > 0.0
    return sampled, tf.where(sampled, tf.maximum(temperature, MIN_TEMPERATURE), 1.0)


def sample_step(params, uniforms, normals, temperature=1.0):
    """Draws one step's offset and pen from raw head outputs.

    Args:
        params: `(B, P)` raw mixture parameters.
        uniforms: `(B, 2)` U(0, 1): component choice, pen choice.
        normals: `(B, 2)` N(0, 1).
        temperature: float or scalar tensor; > 0 samples, <= 0 is
            deterministic (mean of the most likely component, likeliest pen).

    Returns:
        `(offset (B, 2), pen (B, 3) one-hot)`.
    """
    sampled, t = sampling_temperature(temperature)
    p = mixture.split_params(params, t)
    num_mixture = p["mu1"].shape[-1]
    pi = tf.nn.softmax(p["pi_logits"], axis=-1)  # (B, M)
    pen_probs = tf.nn.softmax(p["pen_logits"], axis=-1)  # (B, 3)
    k = tf.where(sampled, _inverse_cdf(pi, uniforms[:, 0]),
                 tf.argmax(pi, axis=-1, output_type=tf.int32))  # (B,)
    pen_index = tf.where(sampled, _inverse_cdf(pen_probs, uniforms[:, 1]),
                         tf.argmax(pen_probs, axis=-1, output_type=tf.int32))
    one_hot = tf.one_hot(k, num_mixture, dtype=params.dtype)  # (B, M)
    mu1, mu2 = _pick(p["mu1"], one_hot), _pick(p["mu2"], one_hot)
    s1, s2 = _pick(p["sigma1"], one_hot), _pick(p["sigma2"], one_hot)
    rho = _pick(p["rho"], one_hot)
    n0, n1 = normals[:, 0], normals[:, 1]
    noise = tf.stack([s1 * n0, s2 * (rho * n0 + tf.sqrt(1.0 - rho * rho) * n1)],
                     axis=-1)  # (B, 2)
    mean = tf.stack([mu1, mu2], axis=-1)
    offset = tf.where(sampled, mean + noise, mean)
    return offset, tf.one_hot(pen_index, 3, dtype=params.dtype)


def sample_sequence(model, photo_strokes, eps_z, uniforms, normals, temperature=1.0,
                    pen_from_photo=True, z=None, noise=None, while_loop=False):
    """Generates caricature strokes for photo strokes, feeding back own samples.

    Args:
        model: a `DeepExaggerationVAE`.
        photo_strokes: `(B, T, 5)` normalised photo strokes.
        eps_z: `(B, Z)` N(0, 1) noise of z (not read when deterministic).
        uniforms: `(B, T, 2)` U(0, 1) noise (component, pen).
        normals: `(B, T, 2)` N(0, 1) noise (offsets).
        temperature: float or scalar tensor, sketch-rnn's sampling
            temperature; <= 0 is deterministic: z = mu and the mean of the
            likeliest component at every step.
        pen_from_photo: bool, copy the pen states from the photo (the
            original's inference) instead of sampling them.
        z: optional `(B, Z)` latent code used as is (the encoder is skipped;
            for interpolation).
        noise: "mixture" or "correlated" (see `VAEConfig.sample_noise`); the
            model's setting when None. With "correlated", each step takes the
            likeliest component's mean plus `sqrt(temperature)` times the
            head's correlated shift weighted by `eps_z[:, :J]`.
        while_loop: bool, inside a `tf.function`, run the steps as one
            `tf.while_loop` (a graph T times smaller to trace and optimise)
            instead of a Python loop (what TFLite's builtin ops need).
            Eagerly the steps always run as one traced `While` loop.

    Returns:
        float32 `(B, T, 5)` normalised caricature strokes.
    """
    if not getattr(model, "built", True):
        model.build()
    config = getattr(model, "config", None)
    noise = noise or getattr(config, "sample_noise", "mixture")
    correlated = noise == "correlated"
    photo = tf.convert_to_tensor(photo_strokes, tf.float32)
    uniforms = tf.convert_to_tensor(uniforms, tf.float32)
    normals = tf.convert_to_tensor(normals, tf.float32)
    temperature = tf.convert_to_tensor(temperature, tf.float32)
    if z is None:
        eps_z = tf.convert_to_tensor(eps_z, tf.float32)
        if tf.executing_eagerly():
            # T fixed: an unrolled encoder (`inference_copy`) needs it.
            t = photo.shape[1]
            z = traced_once(model, ("encode", t), _encode, [
                _spec(None, t, 5), _spec(None, None), _spec()])(photo, eps_z, temperature)
        else:
            z = _encode(model, photo, eps_z, temperature)
    z = tf.convert_to_tensor(z, tf.float32)
    if correlated:
        # sqrt(max(T, 0)): no shift when deterministic (T <= 0).
        if eps_z is None:  # a given z (interpolation): no whole-face noise
            eps_z = tf.zeros(tf.stack([tf.shape(photo)[0], model.head.noise_components]))
        basis_noise = tf.sqrt(tf.maximum(temperature, 0.0)) * tf.convert_to_tensor(
            eps_z, tf.float32)[:, :model.head.noise_components]  # (B, J)
        step_temperature = tf.constant(0.0)  # each step's likeliest mean
    else:
        step_temperature = temperature
    state = model.decoder.initial_state(z)
    start = tf.broadcast_to(tf.constant(START_TOKEN, tf.float32), tf.shape(photo[:, 0]))
    prev_photo, prev_car = start, start
    current_photo = getattr(getattr(model, "config", None), "decoder_photo",
                            "previous") == "current"
    eager = tf.executing_eagerly() and state[0].dtype == tf.float32
    if eager or while_loop:  # all steps in one `While` loop over `_decode_step`
        if not correlated:  # the loop's input, read by no step
            basis_noise = tf.zeros(tf.stack([tf.shape(photo)[0], 0]))
        decode = functools.partial(_decode_loop, model, correlated, pen_from_photo,
                                   current_photo)
        if eager:  # one traced call
            decode = traced_once(
                model, ("decode", correlated, pen_from_photo, current_photo),
                lambda m, *args: _decode_loop(m, correlated, pen_from_photo, current_photo,
                                              *args), _DECODE_SIGNATURE)
        return decode(photo, z, state[0], state[1], uniforms, normals, step_temperature,
                      basis_noise)
    if not correlated:
        basis_noise = None
    photo_points = photo[..., :2]  # (B, T, 2)
    steps = []
    for t in range(photo.shape[1]):
        photo_in = photo[:, t] if current_photo else prev_photo
        index = tf.fill(tf.shape(photo)[:1], t)  # (B,) step index
        step, h, c = _decode_step(model, correlated, pen_from_photo, photo_in, prev_car,
                                  photo[:, t], photo_points, index, z, state[0], state[1],
                                  uniforms[:, t], normals[:, t], step_temperature,
                                  basis_noise)
        state = [h, c]
        steps.append(step)
        prev_photo, prev_car = photo[:, t], step
    return tf.stack(steps, axis=1)


def _decode_step(model, correlated, pen_from_photo, photo_in, prev_car, photo_t,
                 photo_points, index, z, h, c, uniforms_t, normals_t, temperature,
                 basis_noise):
    """One decoder step of `sample_sequence`: `(step (B, 5), h, c)`."""
    x = model.decoder_inputs(photo_in, prev_car)[:, None, :]  # (B, 1, I)
    out, h, c = model.decoder(x, z, initial_state=[h, c])
    params = model.head(out[:, 0], photo_t[:, :2], index, z,
                        photo_sequence=photo_points)  # (B, P)
    offset, pen = sample_step(params, uniforms_t, normals_t, temperature)
    if correlated:
        offset = offset + model.head.noise_shift(basis_noise, index)
    if pen_from_photo:
        pen = photo_t[:, 2:]
    return tf.concat([offset, pen], axis=-1), h, c  # (B, 5)


def _decode_loop(model, correlated, pen_from_photo, current_photo, photo, z, h, c,
                 uniforms, normals, temperature, basis_noise):
    """`sample_sequence`'s steps as one `tf.while_loop`: `(B, T, 5)` strokes.

    The same `_decode_step` ops in the same order as the Python loop (what
    export and TFLite trace), run by TensorFlow's executor: one call a face
    instead of T (eagerly ~1.5 ms a call of Python and dispatch).
    """
    num_steps = tf.shape(photo)[1]
    batch = tf.shape(photo)[:1]
    start = tf.broadcast_to(tf.constant(START_TOKEN, tf.float32), tf.shape(photo[:, 0]))
    photo_points = photo[..., :2]  # (B, T, 2)
    steps = tf.TensorArray(tf.float32, size=num_steps, element_shape=photo[:, 0].shape)

    def body(t, prev_photo, prev_car, h, c, steps):
        photo_t = tf.gather(photo, t, axis=1)  # (B, 5)
        photo_in = photo_t if current_photo else prev_photo
        step, h, c = _decode_step(model, correlated, pen_from_photo, photo_in, prev_car,
                                  photo_t, photo_points, tf.fill(batch, t), z, h, c,
                                  tf.gather(uniforms, t, axis=1),
                                  tf.gather(normals, t, axis=1), temperature, basis_noise)
        return t + 1, photo_t, step, h, c, steps.write(t, step)

    loop = tf.while_loop(lambda t, *_: t < num_steps, body,
                         (tf.constant(0), start, start, h, c, steps))
    return tf.transpose(loop[-1].stack(), [1, 0, 2])  # (B, T, 5)


def _encode(model, photo, eps_z, temperature):
    """z `(B, Z)` of normalised photo strokes: mu when deterministic."""
    z, mu, _ = model.encoder(photo, eps=eps_z)
    return tf.where(temperature > 0.0, z, mu)  # (B, Z)


# Eagerly, `sample_sequence` runs the encoder and the decoder as traced
# graphs: per model (and mode), `_encode` and `_decode_loop` (every step in
# one `While` loop) are traced once (fixed signatures, any batch; no
# autograph: they have no Python control flow on tensors). Run op by op from
# Python the same computations cost ~1.3 s a face for the built-in model, and
# tracing the whole unrolled sampler ~17 s; the two small traces cost ~0.5 s
# once, then a face takes ~25 ms of CPU (a traced call per step took ~140 ms;
# 2-core machine). Inside a caller's `tf.function` (export, TFLite) they
# stay plain ops, the steps a Python loop (no `While` op).
_TRACED = weakref.WeakKeyDictionary()
_TRACED_LOCK = threading.Lock()


def traced_once(owner, key, fn, input_signature):
    """`fn` with `owner` (a model, a `GeometryGraph`) as its first argument,
    traced once per owner and key.

    A concrete function: a call skips `tf.function`'s argument matching
    (~20 % of a warm face's geometry when each step was a call). It holds
    the owner weakly, so the cache does not keep it alive.
    """
    with _TRACED_LOCK:  # one trace when threads race
        per_owner = _TRACED.setdefault(owner, {})
        if key not in per_owner:
            ref = weakref.ref(owner)
            per_owner[key] = tf.function(
                lambda *args: fn(ref(), *args), input_signature=input_signature,
                autograph=False).get_concrete_function()
        return per_owner[key]


def _spec(*shape):
    return tf.TensorSpec(shape, tf.float32)


# `_decode_loop`'s inputs after the model and the mode.
_DECODE_SIGNATURE = [
    _spec(None, None, 5), _spec(None, None), _spec(None, None),             # photo, z, h
    _spec(None, None), _spec(None, None, 2), _spec(None, None, 2),          # c, noise
    _spec(), _spec(None, None)]                                             # temperature, basis
