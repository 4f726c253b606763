"""`MixtureHead`: decoder outputs -> raw mixture-density parameters.

Shapes: B batch, T steps, n decoder units, M mixtures, P = 3 + 6M.

Mathematical details of the photo skip (a departure, off by default): with
`photo_skip`, the means of every component are offset by the photo's own
step, `mu_k = W_mu h + b_mu + g * (dx_photo, dy_photo)`, with a learnt
per-axis gain `g` initialised to 1. The dense layer then predicts the
exaggeration (caricature step minus scaled photo step) rather than the whole
offset; its mean columns start at zero, so the untrained head copies the
photo, and the small residual is what the mixture models. The original head
(`photo_skip=False`) predicts the whole offset from the decoder state.

With `per_step` (a departure too, used by `VAEConfig.edfm_prior`) gain and
bias are learnt per step, `mu_k = W_mu h + b_mu + g_t * photo_t + b_t`, with
`g` and `b` of shape `(T, 2)`. With `g_t = k s_p / s_c` and
`b_t = (1 - k) m_t / s_c` (`m_t` the mean face's offset at step t, `s_p`, `s_c`
the photo and caricature offset scales) the untrained head is exactly EDFM in
offset space, `car_t = k photo_t + (1 - k) m_t`; per-step gains can then
exaggerate, say, the nose more than the eye spacing, and the decoder learns
the rest. `latent_size` Z adds a per-step linear readout of the latent code,
`mu_k += V_t z` (`V` of shape `(T, Z, 2)`, zeros at first): z summarises the
whole photo, and a per-step offset is poorly predicted from its own photo
step alone (measured: a least-squares map per step from the photo offset is
worse than EDFM, one from all 68 photo offsets much better).

`step_rate` r makes these per-step weights learn r times faster than the
rest: each is stored divided by r and used multiplied by r (Adam's step is
about the learning rate whatever the gradient's scale, so the effective step
is r times larger; the "equalised learning rate" trick of ProGAN). The
decoder's LSTM needs a small rate, the linear per-step parts a larger one.

`baseline` (a departure, `VAEConfig.baseline`): a frozen affine map of the
WHOLE photo sequence joins the means, `mu_k += (K vec(photo) + c)_t`, with
`K` of shape `(2T, 2T)` and `c` of shape `(T, 2)` set once from a baseline
fitted on the training pairs (`baseline_prior`): the untrained head is that
baseline, and the decoder and the per-step weights learn the residual.

`noise_components` J (a departure, `VAEConfig.sample_noise`): a frozen basis
`(J, T, 2)` of correlated offset shifts (the principal modes of the training
residuals, `baseline_prior`). A sampler adds `sum_j n_j basis_j` to the
component means, n ~ N(0, I): whole-face variations, instead of independent
per-step draws whose sum along a contour is a random walk.
"""

import keras
import numpy as np
from keras import ops

from tf_deepexag.geometry import mixture
from tf_deepexag.geometry.affine import AffineDense, affine


@keras.saving.register_keras_serializable(package="tf_deepexag")
class MixtureHead(keras.layers.Layer):
    """Dense projection to the mixture parameters (layout in `mixture`).

    The outputs are unconstrained; `mixture.mixture_distribution` applies
    softmax (via logits), exp and tanh, so the loss and the samplers share
    one definition.

    Args:
        num_mixture: int, M bivariate normals.
        photo_skip: bool, add `gain * photo offset` to every component mean
            (see the module docstring). Defaults to `False` (the original).
        per_step: int or None, the number of steps T: the skip's gain
            (ones at first) and a bias of the means (zeros at first) are
            learnt per step, `(T, 2)` each. Needs `photo_skip`. Defaults to
            None (one gain per axis, no bias).
        latent_size: int or None, Z of the latent code read out per step
            (needs `per_step`). Defaults to None (no readout).
        step_rate: float > 0, learning-rate multiplier of the per-step
            weights (see the module docstring). Defaults to 1.
        baseline: bool, add the frozen whole-photo affine map (needs
            `per_step`). Defaults to False.
        noise_components: int >= 0, J frozen correlated-noise modes (needs
            `per_step`). Defaults to 0.

    Call arguments:
        outputs: `(B, T, n)` or `(B, n)` decoder outputs.
        photo_offsets: `(B, T, 2)` or `(B, 2)` normalised photo offsets of
            the same steps; required when `photo_skip`, ignored otherwise.
        steps: int `(B, T)` or `(B,)` step indices of `outputs`; required
            with `per_step`, ignored otherwise.
        z: `(B, 1, Z)` (with `(B, T)` steps) or `(B, Z)` latent codes;
            required with `latent_size`, ignored otherwise.
        photo_sequence: `(B, T, 2)` normalised offsets of the whole photo;
            required with `baseline`, ignored otherwise.

    Returns:
        `(B, T, P)` or `(B, P)` raw parameters.
    """

    def __init__(self, num_mixture, photo_skip=False, per_step=None, latent_size=None,
                 step_rate=1.0, baseline=False, noise_components=0, **kwargs):
        super().__init__(**kwargs)
        if int(num_mixture) <= 0:
            raise ValueError(f"`num_mixture` must be positive, got {num_mixture}.")
        if per_step is not None and (int(per_step) <= 0 or not photo_skip):
            raise ValueError("`per_step` must be a positive number of steps and needs "
                             f"`photo_skip=True`, got per_step={per_step}, "
                             f"photo_skip={photo_skip}.")
        if latent_size is not None and (int(latent_size) <= 0 or per_step is None):
            raise ValueError("`latent_size` must be positive and needs `per_step`, got "
                             f"latent_size={latent_size}, per_step={per_step}.")
        if not float(step_rate) > 0:
            raise ValueError(f"`step_rate` must be positive, got {step_rate}.")
        if (baseline or int(noise_components)) and per_step is None:
            raise ValueError("`baseline` and `noise_components` need `per_step`, got "
                             f"baseline={baseline}, noise_components={noise_components}.")
        if int(noise_components) < 0:
            raise ValueError(f"`noise_components` must be >= 0, got {noise_components}.")
        self.baseline = bool(baseline)
        self.noise_components = int(noise_components)
        self.num_mixture = int(num_mixture)
        self.step_rate = float(step_rate)
        self.latent_size = None if latent_size is None else int(latent_size)
        self.photo_skip = bool(photo_skip)
        self.per_step = None if per_step is None else int(per_step)
        self.dense = AffineDense(mixture.num_params(self.num_mixture),
                                name="params")

    def build(self, outputs_shape, photo_offsets_shape=None, steps_shape=None,
              z_shape=None, photo_sequence_shape=None):
        self.dense.build(outputs_shape)
        if self.photo_skip:
            gain_shape = (2,) if self.per_step is None else (self.per_step, 2)
            gain_init = 1.0 if self.per_step is None else 1.0 / self.step_rate
            self.skip_gain = self.add_weight(
                shape=gain_shape, initializer=keras.initializers.Constant(gain_init),
                name="skip_gain")
            # Mean columns start at zero, so the untrained head copies the photo
            # (random initial means would add a random walk over the 68 steps).
            m, start = self.num_mixture, mixture.NUM_PEN + self.num_mixture
            mask = np.ones(self.dense.kernel.shape, np.float32)
            mask[:, start:start + 2 * m] = 0.0
            self.dense.kernel.assign(self.dense.kernel * mask)
        if self.per_step is not None:
            self.mean_bias = self.add_weight(shape=(self.per_step, 2),
                                             initializer="zeros", name="mean_bias")
        if self.latent_size is not None:
            self.latent_readout = self.add_weight(
                shape=(self.per_step, self.latent_size, 2), initializer="zeros",
                name="latent_readout")
        if self.baseline:
            size = 2 * self.per_step
            self.baseline_kernel = self.add_weight(
                shape=(size, size), initializer="zeros", trainable=False,
                name="baseline_kernel")
            self.baseline_bias = self.add_weight(
                shape=(self.per_step, 2), initializer="zeros", trainable=False,
                name="baseline_bias")
        if self.noise_components:
            self.noise_basis = self.add_weight(
                shape=(self.noise_components, self.per_step, 2), initializer="zeros",
                trainable=False, name="noise_basis")
        self.built = True

    def call(self, outputs, photo_offsets=None, steps=None, z=None, photo_sequence=None):
        params = self.dense(outputs)  # (..., P)
        if not self.photo_skip:
            return params
        if photo_offsets is None:
            raise ValueError("`MixtureHead(photo_skip=True)` needs `photo_offsets`.")
        m, start = self.num_mixture, mixture.NUM_PEN + self.num_mixture
        photo_offsets = ops.cast(photo_offsets, params.dtype)
        if self.per_step is None:
            skip = photo_offsets * self.skip_gain  # (..., 2)
        else:
            if steps is None:
                raise ValueError("`MixtureHead(per_step=...)` needs `steps`.")
            skip = self.step_rate * (photo_offsets * ops.take(self.skip_gain, steps, 0)
                                     + ops.take(self.mean_bias, steps, axis=0))  # (..., 2)
        if self.latent_size is not None:
            if z is None:
                raise ValueError("`MixtureHead(latent_size=...)` needs `z`.")
            readout = ops.take(self.latent_readout, steps, axis=0)  # (..., Z, 2)
            z = ops.expand_dims(ops.cast(z, params.dtype), -1)  # (..., Z, 1)
            skip = skip + self.step_rate * ops.sum(z * readout, axis=-2)  # (..., 2)
        if self.baseline:
            if photo_sequence is None:
                raise ValueError("`MixtureHead(baseline=True)` needs `photo_sequence`.")
            skip = skip + self.baseline_offsets(photo_sequence, steps)
        mu1 = params[..., start:start + m] + skip[..., :1]  # (..., M)
        mu2 = params[..., start + m:start + 2 * m] + skip[..., 1:]  # (..., M)
        return ops.concatenate(
            [params[..., :start], mu1, mu2, params[..., start + 2 * m:]], axis=-1)

    def baseline_offsets(self, photo_sequence, steps):
        """The frozen baseline's offsets at `steps`: `(B, T, 2)` for `(B, T)`
        steps, `(B, 2)` for `(B,)` steps."""
        seq = ops.cast(photo_sequence, self.baseline_kernel.dtype)
        b = ops.shape(seq)[0]
        flat = ops.reshape(seq, (b, 2 * self.per_step))  # (B, 2T)
        bias = ops.reshape(self.baseline_bias, (2 * self.per_step,))
        full = ops.reshape(affine(flat, self.baseline_kernel, bias),
                           (b, self.per_step, 2))  # (B, T, 2)
        if len(steps.shape) == 2:
            return ops.take_along_axis(full, ops.expand_dims(steps, -1), axis=1)
        return ops.take_along_axis(full, ops.reshape(steps, (-1, 1, 1)), axis=1)[:, 0]

    def noise_shift(self, noise, steps):
        """Correlated shifts `(B, 2)` of the means at `(B,)` steps for `(B, J)`
        standard normal `noise`: `sum_j noise_j basis_j[step]`."""
        basis = ops.take(ops.transpose(self.noise_basis, (1, 0, 2)), steps, axis=0)
        return ops.sum(ops.expand_dims(noise, -1) * basis, axis=1)  # (B, 2)

    def set_baseline(self, kernel, bias):
        """Sets the frozen baseline map: `(2T, 2T)` kernel, `(T, 2)` bias."""
        self.baseline_kernel.assign(np.asarray(kernel, np.float32))
        self.baseline_bias.assign(np.asarray(bias, np.float32))

    def set_noise_basis(self, basis):
        """Sets the frozen `(J, T, 2)` correlated-noise basis."""
        self.noise_basis.assign(np.asarray(basis, np.float32))

    def set_step_skip(self, gain, bias):
        """Sets the effective per-step gain and bias, each `(T, 2)`."""
        self.skip_gain.assign(np.asarray(gain, np.float32) / self.step_rate)
        self.mean_bias.assign(np.asarray(bias, np.float32) / self.step_rate)

    def compute_output_shape(self, outputs_shape, photo_offsets_shape=None,
                             steps_shape=None, z_shape=None, photo_sequence_shape=None):
        return tuple(outputs_shape[:-1]) + (mixture.num_params(self.num_mixture),)

    def get_config(self):
        config = super().get_config()
        config.update(num_mixture=self.num_mixture, photo_skip=self.photo_skip,
                      per_step=self.per_step, latent_size=self.latent_size,
                      step_rate=self.step_rate, baseline=self.baseline,
                      noise_components=self.noise_components)
        return config
