"""The Keras layer contract, checked once for every custom layer.

`LayerTestCase.run_layer_test` checks what keras-hub's `run_layer_test` checks,
sized for this project: the config round trip, build on first call, eager and
symbolic calls with the expected output shapes, and a `.keras` save/load that
reproduces the outputs exactly. `run_model_test` checks the same contract for
a whole trainable model (config round trip, build, `.keras` round trip) plus
one training step, eagerly and traced (keras-hub's `run_training_check`).
"""

import os

import keras
import numpy as np
import tensorflow as tf


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


class LayerTestCase(tf.test.TestCase):
    """`tf.test.TestCase` with the layer-contract check."""

    def run_layer_test(self, layer_cls, init_kwargs, input_data,
                       expected_output_shape=None, call_kwargs=None,
                       expected_num_trainable_weights=None, atol=1e-6):
        """Checks a layer class against the Keras 3 layer contract.

        Args:
            layer_cls: the layer class (registered serializable).
            init_kwargs: dict of constructor arguments.
            input_data: a tensor, or a list of tensors passed positionally.
            expected_output_shape: a shape tuple, or a list of them for several
                outputs; `None` skips the shape check.
            call_kwargs: extra keyword arguments for `call` (non-tensor).
            expected_num_trainable_weights: optional count of trainable weights.
            atol: tolerance of the saved-model output comparison.

        Returns:
            The built layer and its eager output, for further checks.
        """
        call_kwargs = call_kwargs or {}
        inputs = _as_list(input_data)

        # 1. Config round trip: from_config(get_config()) has the same config.
        layer = layer_cls(**init_kwargs)
        config = layer.get_config()
        revived = layer_cls.from_config(config)
        self.assertEqual(revived.get_config(), config)
        registered = keras.saving.get_registered_name(layer_cls)
        self.assertTrue(registered.startswith("tf_deepexag>"),
                        f"{layer_cls.__name__} is not registered: {registered}")

        # 2. Eager call builds the layer and gives the expected shapes.
        self.assertFalse(layer.built)
        outputs = layer(*inputs, **call_kwargs)
        self.assertTrue(layer.built)
        if expected_output_shape is not None:
            expected = (expected_output_shape
                        if isinstance(expected_output_shape, list)
                        else [expected_output_shape])
            for out, shape in zip(_as_list(outputs), expected):
                self.assertEqual(tuple(out.shape), tuple(shape))
        if expected_num_trainable_weights is not None:
            self.assertLen(layer.trainable_weights,
                           expected_num_trainable_weights)

        # 3. Symbolic call inside a functional model, then a .keras round trip.
        symbolic_inputs = [
            keras.Input(shape=tuple(x.shape[1:]), batch_size=x.shape[0],
                        dtype=x.dtype.name if hasattr(x.dtype, "name")
                        else str(x.dtype))
            for x in inputs
        ]
        fresh = layer_cls.from_config(config)
        symbolic_outputs = fresh(*symbolic_inputs, **call_kwargs)
        model = keras.Model(symbolic_inputs, symbolic_outputs)
        want = [np.asarray(o) for o in _as_list(model(inputs))]
        path = os.path.join(self.get_temp_dir(), "layer.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        got = [np.asarray(o) for o in _as_list(loaded(inputs))]
        for w, g in zip(want, got):
            self.assertAllClose(w, g, atol=atol, rtol=0)
        return layer, outputs

    def run_model_test(self, model_cls, init_kwargs, call_inputs, train_batch,
                       compile_fn, atol=1e-6):
        """Checks a `keras.Model` with its own `train_step` against the contract.

        Args:
            model_cls: the model class (registered serializable).
            init_kwargs: dict of constructor arguments.
            call_inputs: the argument of `model(...)`, compared after the
                `.keras` round trip.
            train_batch: the argument of `model.train_step(...)`.
            compile_fn: callable(model) that compiles it with its optimizers.
            atol: tolerance of the saved-model output comparison.

        Returns:
            The model after two training steps and the logs of the second.
        """
        # 1. Config round trip and registration.
        model = model_cls(**init_kwargs)
        config = model.get_config()
        self.assertEqual(model_cls.from_config(config).get_config(), config)
        registered = keras.saving.get_registered_name(model_cls)
        self.assertTrue(registered.startswith("tf_deepexag>"),
                        f"{model_cls.__name__} is not registered: {registered}")

        # 2. An eager call builds it; a .keras round trip gives the same outputs.
        self.assertFalse(model.built)
        want = [np.asarray(o) for o in tf.nest.flatten(model(call_inputs))]
        self.assertTrue(model.built)
        path = os.path.join(self.get_temp_dir(), f"{model_cls.__name__}.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        self.assertEqual(loaded.get_config(), config)
        got = [np.asarray(o) for o in tf.nest.flatten(loaded(call_inputs))]
        self.assertLen(got, len(want))
        for w, g in zip(want, got):
            self.assertAllClose(w, g, atol=atol, rtol=0)

        # 3. One eager and one traced training step: finite logs, every
        # trainable variable moved.
        compile_fn(model)
        logs = None
        for step in (model.train_step, tf.function(model.train_step)):
            before = [v.numpy() for v in model.trainable_variables]
            logs = step(train_batch)
            for name, value in logs.items():
                self.assertTrue(np.all(np.isfinite(np.asarray(value))), name)
            after = [v.numpy() for v in model.trainable_variables]
            unchanged = [v.path for v, a, b in zip(model.trainable_variables, before, after)
                         if np.array_equal(a, b)]
            self.assertEqual(unchanged, [], "variables a training step did not move")
        return model, logs
