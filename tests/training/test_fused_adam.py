"""Tests for `training.FusedAdam`: Keras's Adam, one op a variable."""

import keras
import numpy as np
import tensorflow as tf

from tf_deepexag.training import FusedAdam


def _run(optimizer, steps=5, graph=False):
    """Variables after `steps` updates with fixed gradients of growing size."""
    rng = np.random.default_rng(0)
    variables = [keras.Variable(rng.normal(size=shape).astype(np.float32))
                 for shape in ((3, 4), (7,))]
    gradients = [rng.normal(size=(steps,) + tuple(v.shape)).astype(np.float32) for v in variables]

    def apply(step):
        optimizer.apply_gradients([(g[step] * (step + 1), v)
                                   for g, v in zip(gradients, variables)])
    update = tf.function(apply) if graph else apply
    for step in range(steps):
        update(step)
    return [v.numpy() for v in variables] + [v.numpy() for v in optimizer.variables]


def _schedule():
    return keras.optimizers.schedules.ExponentialDecay(1e-2, 1, 0.9)


class FusedAdamTest(tf.test.TestCase):

    def test_matches_keras_adam(self):
        # The kernel forms 1 - beta_2 in float32 (Keras in Python floats):
        # for 0.999 that is 1.3e-5 relative, so the velocities differ by that
        # and the variables by less; everything else agrees to rounding.
        for graph in (False, True):
            want = _run(keras.optimizers.Adam(_schedule(), beta_1=0.8, epsilon=1e-6), graph=graph)
            got = _run(FusedAdam(_schedule(), beta_1=0.8, epsilon=1e-6), graph=graph)
            self.assertEqual(len(got), len(want))
            for a, b in zip(got, want):
                self.assertAllClose(a, b, rtol=2e-5, atol=1e-7)
            # The update moved the variables: the comparison is not of two no-ops.
            self.assertGreater(np.abs(got[0] - _run(FusedAdam(0.0))[0]).max(), 1e-3)

    def test_amsgrad_keeps_the_keras_update(self):
        want = _run(keras.optimizers.Adam(1e-2, amsgrad=True))
        got = _run(FusedAdam(1e-2, amsgrad=True))
        for a, b in zip(got, want):
            self.assertAllClose(a, b, rtol=1e-6, atol=1e-7)  # the same ops

    def test_config_round_trip(self):
        optimizer = FusedAdam(3e-4, beta_2=0.99)
        restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
        self.assertIsInstance(restored, FusedAdam)
        self.assertAllClose(restored.get_config()["beta_2"], 0.99)
