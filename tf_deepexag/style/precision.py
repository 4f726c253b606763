"""Mixed-precision policies of the U-GAT-IT model.

Under `"mixed_bfloat16"` or `"mixed_float16"` the convolutions and dense
layers compute in the 16-bit type while every variable stays float32 (Keras'
mixed policies). What must not lose precision is done in float32 by the
layers themselves: the mean and variance of instance/layer normalisation
(`norm.py`, `blocks.instance_norm`), the spectral norm's power iteration
(`spectral.py`), the pooled CAM features, and the model outputs (images,
logits, heatmaps), which are cast back to float32 so every loss is computed
in float32. `"mixed_float16"` also needs loss scaling against gradient
underflow; the trainer wraps its optimizers in
`keras.optimizers.LossScaleOptimizer` for it. bfloat16 has float32's
exponent range and needs none.

The policy is chosen when the model is built: `policy_scope` sets Keras'
global policy for the layers created inside it and restores the previous
one afterwards, so a saved generator loads as float32 wherever it is loaded.
"""

import contextlib

import keras

POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")


def check_policy(name):
    """Returns `name` if it is one of `POLICIES`.

    Raises:
        ValueError: any other value (the message names `mixed_precision`).
    """
    if name not in POLICIES:
        raise ValueError(f"`mixed_precision` must be one of {POLICIES}, got "
                         f"{name!r}.")
    return name


def needs_loss_scaling(name):
    """True for float16 compute (5 exponent bits), which underflows gradients."""
    return check_policy(name) == "mixed_float16"


@contextlib.contextmanager
def policy_scope(name):
    """Layers created inside the block take the dtype policy `name`.

    Args:
        name: one of `POLICIES`.
    """
    check_policy(name)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
