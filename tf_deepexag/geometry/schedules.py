"""sketch-rnn's schedules, as functions of the optimizer step.

Mathematical details (magenta `sketch_rnn_train.py`):
    lr(s) = (lr_0 - lr_min) * decay^s + lr_min
    w(s)  = w_max - (w_max - w_start) * decay_w^s     (KL and consistency)
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tf_deepexag")
class SketchRNNDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Exponential decay towards a floor: `(lr - min) * decay^step + min`.

    Args:
        learning_rate: float, the rate at step 0. Defaults to 1e-3.
        decay_rate: float, the factor per step. Defaults to 0.9999.
        min_learning_rate: float, the floor. Defaults to 1e-5.
    """

    def __init__(self, learning_rate=1e-3, decay_rate=0.9999, min_learning_rate=1e-5):
        self.learning_rate = float(learning_rate)
        self.decay_rate = float(decay_rate)
        self.min_learning_rate = float(min_learning_rate)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        return ((self.learning_rate - self.min_learning_rate)
                * tf.pow(self.decay_rate, step) + self.min_learning_rate)

    def get_config(self):
        return {"learning_rate": self.learning_rate, "decay_rate": self.decay_rate,
                "min_learning_rate": self.min_learning_rate}


def annealed_weight(step, weight, weight_start, decay_rate):
    """`weight - (weight - weight_start) * decay_rate^step`, float32 scalar."""
    step = tf.cast(step, tf.float32)
    return weight - (weight - weight_start) * tf.pow(decay_rate, step)
