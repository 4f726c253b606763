"""`SavedModelRunner`: the exported SavedModel's signatures with checked inputs;
`SavedModelExaggerator`: `geometry.Exaggerator`'s interface over it.

A loaded signature (`tf.saved_model.load(path).signatures[...]`) refuses a
wrong dtype itself, before any op of ours runs, and names the input only by
position: "cannot compute __inference_signature_wrapper_... as input #0
(zero-based) was expected to be a float tensor but is a double tensor". This
wrapper checks each input against the signature's `TensorSpec` first and
raises a `ValueError` naming the input, the expected dtype and shape, and
what it got. Shapes are also checked in the graph (`check_input`), which is
what TF Serving users see; see the README's export section.
"""

import os

import numpy as np
import tensorflow as tf

from tf_deepexag.geometry import sampling_inputs
from tf_deepexag.plane_map import PlaneMapping


def _shape_text(shape):
    dims = shape.as_list() if isinstance(shape, tf.TensorShape) else list(shape)
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"


def _convert(signature, name, spec, value):
    """`value` as a tensor of `spec`, or `ValueError` naming the input."""
    want = f"{spec.dtype.name} of shape {_shape_text(spec.shape)} (? = any)"
    prefix = f"{signature}: input {name!r} must be {want}"
    if isinstance(value, (tf.Tensor, np.ndarray, np.generic)):
        dtype = tf.as_dtype(value.dtype)
        if dtype != spec.dtype:
            raise ValueError(f"{prefix}, got {dtype.name} of shape "
                             f"{_shape_text(tuple(value.shape))}.")
        tensor = tf.convert_to_tensor(value)
    else:  # Python numbers and lists carry no dtype: converted, as REST JSON is.
        try:
            tensor = tf.constant(value, spec.dtype)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{prefix}, got {type(value).__name__} that does not "
                             f"convert: {e}") from e
        # tf.constant wraps integers silently (300 -> 44 as uint8).
        if spec.dtype.is_integer and not np.array_equal(tensor.numpy(), np.asarray(value)):
            raise ValueError(f"{prefix}, got values out of its range.")
    if not spec.shape.is_compatible_with(tensor.shape):
        raise ValueError(f"{prefix}, got {tensor.dtype.name} of shape "
                         f"{_shape_text(tuple(tensor.shape))}.")
    return tensor


class SavedModelRunner:
    """Runs the signatures of an exported SavedModel version, inputs checked.

    Args:
        path: str, a version directory (`export/saved_model/1`).

    Example:
        >>> runner = SavedModelRunner("export/saved_model/1")
        >>> runner.input_specs("exaggerate")["strength"]
        TensorSpec(shape=(), dtype=tf.float32, name='strength')
        >>> out = runner("serving_default", photo_points=points[None])["caricature_points"]

    Raises:
        FileNotFoundError / ValueError: not a loadable SavedModel directory.
    """

    def __init__(self, path):
        path = os.fspath(path)
        if not os.path.isdir(path):
            raise FileNotFoundError(f"No such SavedModel directory: {path}")
        try:
            self._loaded = tf.saved_model.load(path)
        except (OSError, ValueError, tf.errors.OpError) as e:
            raise ValueError(f"{path} is not a SavedModel: {e}") from e
        self.path = path
        self.signature_names = tuple(sorted(self._loaded.signatures))

    def _signature(self, name):
        if name not in self._loaded.signatures:
            raise ValueError(f"{self.path} has no signature {name!r}; it has "
                             f"{list(self.signature_names)}.")
        return self._loaded.signatures[name]

    def input_specs(self, signature):
        """`{input name: tf.TensorSpec}` of a signature."""
        return dict(self._signature(signature).structured_input_signature[1])

    def __call__(self, signature, **inputs):
        """Runs `signature`; returns `{output name: NumPy array}`.

        Arrays and tensors must have the signature's dtype and a compatible
        shape; Python numbers and lists are converted to the dtype.

        Raises:
            ValueError: unknown signature, unknown or missing inputs, or an
                input of the wrong dtype or shape (named in the message).
            tf.errors.InvalidArgumentError: a check inside the graph failed.
        """
        specs = self.input_specs(signature)
        unknown, missing = sorted(set(inputs) - set(specs)), sorted(set(specs) - set(inputs))
        if unknown or missing:
            raise ValueError(f"{signature}: inputs must be {sorted(specs)}; unknown "
                             f"{unknown}, missing {missing}.")
        tensors = {name: _convert(signature, name, specs[name], value)
                   for name, value in inputs.items()}
        outputs = self._signature(signature)(**tensors)
        return {name: value.numpy() for name, value in outputs.items()}


class SavedModelExaggerator(PlaneMapping):
    """`geometry.Exaggerator`'s interface over a SavedModel's `exaggerate` signature.

    `map_points` (`plane_map.PlaneMapping`) applies the same map of the plane
    as `Exaggerator.map_points`. The seed, the default temperature and the
    strength's range are resolved
    by `geometry.sampling_inputs`, as `Exaggerator` and
    `serving.LiteExaggerator` resolve them: the same seed gives the same
    samples in all three.

    Args:
        path: str, a version directory (`export/saved_model/1`), or a
            `SavedModelRunner` over one.

    Example:
        >>> ex = SavedModelExaggerator("export/saved_model/1")
        >>> draws = ex.exaggerate(points, num_samples=3, seed=7)  # (3, 68, 2)

    Raises:
        FileNotFoundError / ValueError: not a SavedModel with an `exaggerate`
            signature.
    """

    def __init__(self, path):
        self.runner = path if isinstance(path, SavedModelRunner) else SavedModelRunner(path)
        specs = self.runner.input_specs("exaggerate")
        self.num_points = int(specs["photo_points"].shape[1])
        self.z_size = int(specs["eps_z"].shape[1])
        # T steps: 68, or 88 for a model that generates head points too.
        self.num_steps = int(specs["uniforms"].shape[1])

    def exaggerate(self, photo_points, num_samples=1, temperature=None, seed=None,
                   strength=1.0):
        """Exaggerated landmarks in the photo's frame, as `Exaggerator.exaggerate`.

        Returns:
            float32 `(S, 68, 2)` for one face, `(B, S, 68, 2)` for a batch.

        Raises:
            errors.UserError: a bad argument (named).
        """
        batch, single = sampling_inputs.points_batch(photo_points, self.num_points)
        photo, (eps_z, uniforms, normals), temperature, strength = sampling_inputs.prepare(
            batch, num_samples, temperature, seed, strength, self.z_size, self.num_steps)
        out = self.runner("exaggerate", photo_points=photo, eps_z=eps_z, uniforms=uniforms,
                          normals=normals, temperature=temperature,
                          strength=strength)["caricature_points"]
        return sampling_inputs.per_face(out, num_samples, single)

    def controls(self, photo_points, num_samples=1, temperature=None, seed=None,
                 strength=1.0, image=None):
        """Every control point and where it lands (the SavedModel's `controls`
        signature, its pins dropped): `Exaggerator.controls` through the fold
        guard (`plane_map.unfolded(...).control_target`, applied in the graph).

        Returns:
            `(source (T, 2), targets (S, T, 2))` float32 for one face,
            `(source (B, T, 2), targets (B, S, T, 2))` for a batch.
        """
        del image  # the exported models read the landmarks only
        batch, single = sampling_inputs.points_batch(photo_points, self.num_points)
        photo, (eps_z, uniforms, normals), temperature, strength = sampling_inputs.prepare(
            batch, num_samples, temperature, seed, strength, self.z_size, self.num_steps)
        out = self.runner("controls", photo_points=photo, eps_z=eps_z, uniforms=uniforms,
                          normals=normals, temperature=temperature, strength=strength)
        return sampling_inputs.controls_per_face(out["control_points"], out["control_targets"],
                                                 num_samples, single, self.num_steps)

    def __call__(self, points, num_samples=1, temperature=None, seed=None, strength=1.0):
        """The `Caricaturist` geometry stage: `(N, 2)` -> `(S, N, 2)`."""
        return self.exaggerate(points, num_samples=num_samples, temperature=temperature,
                               seed=seed, strength=strength)
