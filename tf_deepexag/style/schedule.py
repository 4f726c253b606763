"""Learning rate held for the first half of training, then linear to zero."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tf_deepexag")
class LinearDecaySchedule(keras.optimizers.schedules.LearningRateSchedule):
    """U-GAT-IT's `decay_flag`: lr for steps <= total/2, then linear to 0.

    Mathematical details (UGATIT.py: after step total//2 the lr drops by
    lr / (total//2) each step):
        lr(t) = lr * min(1, max(0, (total - t) / (total - total//2)))

    Args:
        initial_learning_rate: float, the base rate. Defaults to `1e-4`.
        total_steps: int, the training length. Defaults to `1_000_000`.
    """

    def __init__(self, initial_learning_rate=1e-4, total_steps=1_000_000):
        if total_steps <= 0:
            raise ValueError(f"`total_steps` must be positive, got {total_steps}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.total_steps = int(total_steps)

    def __call__(self, step):
        t = ops.cast(step, "float32")
        half = float(self.total_steps - self.total_steps // 2)
        frac = ops.clip((self.total_steps - t) / half, 0.0, 1.0)
        return self.initial_learning_rate * frac

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "total_steps": self.total_steps}
