"""Runs exported TFLite models with LiteRT (`ai_edge_litert`), without TensorFlow.

Shapes: B faces, N = T = 68 points, Z = `z_size`, S the style generator's side.

This module imports only NumPy and LiteRT, so phones, Raspberry Pis and slim
containers can run the files `python -m export.tflite` writes with a few
megabytes of runtime instead of TensorFlow:

    exaggerate_<q>.tflite  photo_points, eps_z, uniforms, normals,
                           temperature, strength -> caricature_points
    stylize_<q>.tflite     images -> images (CartoonGAN: uint8 at any size,
                           `LiteStylizer`; U-GAT-IT: float32 [-1, 1] at S)

`LiteExaggerator` runs the exaggerate file on `(N, 2)` or `(B, N, 2)` points
with the noise drawn by NumPy from a seed; the file itself treats
temperature <= 0 as deterministic (the geometry graph's rule). `LiteModel`
runs one file's signature with checked inputs.

Example:
    >>> from tf_deepexag.serving.litert import LiteExaggerator, LiteModel
    >>> ex = LiteExaggerator("out/tflite", quantization="int8")
    >>> caricature = ex(points)                          # (68, 2), deterministic
    >>> sampled = ex(points, temperature=0.5, seed=7)    # same seed, same result
    >>> style = LiteStylizer("out/tflite/stylize_fp16.tflite")  # CartoonGAN
    >>> painted = style(photo_uint8)                     # (H, W, 3) uint8, any size
"""

import os

import numpy as np
from ai_edge_litert import interpreter as litert

QUANTIZATIONS = ("fp32", "fp16", "int8")  # as export.tflite writes them
_NUM_POINTS = 68


def _shape_text(shape):
    return "[" + ", ".join("?" if d == -1 else str(d) for d in shape) + "]"


class LiteModel:
    """One signature of a `.tflite` file, with checked inputs.

    Args:
        path: str, the `.tflite` file.
        signature: str, the signature key; defaults to the file's only one.
        num_threads: int or None, CPU threads for the interpreter.

    Call arguments:
        **inputs: one value per input name. NumPy arrays and scalars must
            have the dtype and shape in `input_specs` (-1 marks a dimension
            that may vary); Python numbers and lists, which carry no dtype,
            are converted to it.

    Returns:
        dict of output name to NumPy array.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a TFLite model, unknown signature, or inputs of the
            wrong name, dtype or shape, or not finite (the message names the
            input, the expected dtype and shape, and what it got).
    """

    def __init__(self, path, signature=None, num_threads=None):
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No such TFLite model: {path}")
        try:
            self._interpreter = litert.Interpreter(model_path=path, num_threads=num_threads)
        except (ValueError, RuntimeError) as e:
            raise ValueError(f"{path} is not a TFLite model: {e}") from e
        signatures = self._interpreter.get_signature_list()
        if not signatures:
            raise ValueError(f"{path} has no signatures; export it with "
                             "`python -m export.tflite`.")
        if signature is None:
            if len(signatures) != 1:
                raise ValueError(f"{path} has signatures {sorted(signatures)}: pass "
                                 "`signature`.")
            signature = next(iter(signatures))
        if signature not in signatures:
            raise ValueError(f"{path} has no signature {signature!r}; it has "
                             f"{sorted(signatures)}.")
        self.path = path
        self.signature = signature
        # Messages start with the file's name (the converter names a single
        # signature "serving_default", which says nothing).
        stem = os.path.splitext(os.path.basename(path))[0]
        self.name = stem if len(signatures) == 1 else f"{stem}[{signature}]"
        self._runner = self._interpreter.get_signature_runner(signature)
        self.input_specs = {
            name: (tuple(int(d) for d in detail["shape_signature"]),
                   np.dtype(detail["dtype"]))
            for name, detail in self._runner.get_input_details().items()}
        self.output_names = tuple(sorted(self._runner.get_output_details()))

    def _convert(self, name, value):
        """`value` as an array of the input's dtype, or `ValueError` naming it."""
        shape, dtype = self.input_specs[name]
        want = f"{dtype} of shape {_shape_text(shape)} (? = any)"
        prefix = f"{self.name}: input {name!r} must be {want}"
        if isinstance(value, (np.ndarray, np.generic)):
            array = value
            if array.dtype != dtype:
                raise ValueError(f"{prefix}, got {array.dtype} of shape "
                                 f"{_shape_text(array.shape)}.")
        else:  # Python numbers and lists carry no dtype: convert, as JSON is.
            try:
                array = np.asarray(value, dtype)
            except (TypeError, ValueError, OverflowError) as e:
                raise ValueError(f"{prefix}, got {type(value).__name__} that does not "
                                 f"convert: {e}") from e
            if np.issubdtype(dtype, np.integer) and not np.array_equal(
                    array, np.asarray(value, np.float64)):
                raise ValueError(f"{prefix}, got non-integer values {value!r}.")
        if array.ndim != len(shape) or any(
                want_d not in (-1, got) for want_d, got in zip(shape, array.shape)):
            raise ValueError(f"{prefix}, got {array.dtype} of shape "
                             f"{_shape_text(array.shape)}.")
        if np.issubdtype(dtype, np.floating) and not np.all(np.isfinite(array)):
            raise ValueError(f"{self.name}: input {name!r} contains NaN or inf.")
        return np.ascontiguousarray(array)

    def _check(self, inputs):
        unknown = sorted(set(inputs) - set(self.input_specs))
        missing = sorted(set(self.input_specs) - set(inputs))
        if unknown or missing:
            raise ValueError(
                f"{self.name}: inputs must be {sorted(self.input_specs)}; "
                f"unknown {unknown}, missing {missing}.")
        return {name: self._convert(name, value) for name, value in inputs.items()}

    def __call__(self, **inputs):
        return dict(self._runner(**self._check(inputs)))


class LiteExaggerator:
    """Exaggerated landmarks from the exported `exaggerate_<q>.tflite` file.

    The noise is drawn by `numpy.random.default_rng(seed)` in the order
    `geometry.Exaggerator` draws it (eps_z, uniforms, normals), so for one
    face the same seed gives the Python API's result (up to the file's
    precision); not the SavedModel's, which draws with stateless TF ops.
    Temperature <= 0 is deterministic inside the file (the noise is then read
    by no result). The file is loaded on first use.

    Args:
        directory: str, the `python -m export.tflite` output directory.
        quantization: "fp32", "fp16" or "int8". Defaults to `"fp32"`.
        num_threads: int or None, CPU threads of the interpreter.

    Call arguments:
        photo_points: float `(N, 2)` or `(B, N, 2)` absolute (x, y) points.
        temperature: float; <= 0 is deterministic. Defaults to `0.0`.
        seed: int or None, seed of the NumPy noise.
        noise: optional `(eps_z (B, Z), uniforms (B, T, 2), normals
            (B, T, 2))` float32 arrays used instead of drawing.
        strength: float, 0 = photo, 1 = generated shape. Defaults to 1.

    Returns:
        float32 caricature points of the shape of `photo_points`.

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: bad `quantization`, points or noise (named in the message).
    """

    def __init__(self, directory, quantization="fp32", num_threads=None):
        if quantization not in QUANTIZATIONS:
            raise ValueError(f"`quantization` must be one of {QUANTIZATIONS}, got "
                             f"{quantization!r}.")
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"No such TFLite export directory: {directory}")
        self.directory = directory
        self.quantization = quantization
        self.num_threads = num_threads
        self._model = None

    @property
    def path(self):
        """The exaggerate file of this quantization."""
        return os.path.join(self.directory, f"exaggerate_{self.quantization}.tflite")

    @property
    def model(self):
        """The `LiteModel` of the file, loaded once."""
        if self._model is None:
            self._model = LiteModel(self.path, num_threads=self.num_threads)
        return self._model

    def __call__(self, photo_points, temperature=0.0, seed=None, noise=None,
                 strength=1.0):
        points = np.asarray(photo_points, np.float32)
        single = points.ndim == 2
        batch = points[None] if single else points
        if batch.ndim != 3 or batch.shape[1:] != (_NUM_POINTS, 2):
            raise ValueError(f"`photo_points` must have shape [{_NUM_POINTS}, 2] or "
                             f"[B, {_NUM_POINTS}, 2], got {list(points.shape)}.")
        model = self.model
        eps_z, uniforms, normals = (self._draw(model, len(batch), seed)
                                    if noise is None else noise)
        out = [model(photo_points=face[None], eps_z=eps_z[i:i + 1],
                     uniforms=uniforms[i:i + 1], normals=normals[i:i + 1],
                     temperature=np.float32(temperature),
                     strength=np.float32(strength))["caricature_points"]
               for i, face in enumerate(batch)]
        out = np.concatenate(out)  # (B, N, 2)
        return out[0] if single else out

    @staticmethod
    def _draw(model, batch, seed):
        """`(eps_z, uniforms, normals)` float32 from `numpy.random.default_rng(seed)`."""
        rng = np.random.default_rng(seed)
        z = model.input_specs["eps_z"][0][-1]
        steps = model.input_specs["uniforms"][0][1]
        return (rng.standard_normal((batch, z)).astype(np.float32),
                rng.uniform(size=(batch, steps, 2)).astype(np.float32),
                rng.standard_normal((batch, steps, 2)).astype(np.float32))


class LiteStylizer:
    """A CartoonGAN `stylize_<q>.tflite` file as a stylizer: uint8 RGB in and out.

    The file holds the whole `style.processing.apply` path (pad to a multiple
    of 4, generator, crop) with a dynamic image size, so any image runs as
    it is; LiteRT re-plans the interpreter when the size changes.

    Args:
        path: str, the file.
        num_threads: int or None, CPU threads of the interpreter.

    Call arguments:
        image: uint8 `(H, W, 3)` RGB (or `(1, H, W, 3)`).

    Returns:
        uint8 array of the input's shape.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a uint8 any-size stylize file (U-GAT-IT's float32
            file runs with `LiteModel`), or a bad image (named).
    """

    def __init__(self, path, num_threads=None):
        self.model = LiteModel(path, num_threads=num_threads)
        spec = self.model.input_specs.get("images")
        if (spec is None or spec[1] != np.uint8 or len(spec[0]) != 4
                or spec[0][1:3] != (-1, -1)):
            raise ValueError(f"{self.model.name}: not a uint8 any-size stylize file "
                             f"(inputs {self.model.input_specs}); a U-GAT-IT file "
                             "(float32 at its side) runs with `LiteModel`.")

    def __call__(self, image):
        image = np.asarray(image)
        single = image.ndim == 3
        batch = image[None] if single else image
        if (batch.ndim != 4 or batch.shape[0] != 1 or batch.shape[-1] != 3
                or batch.dtype != np.uint8 or min(batch.shape[1:3]) < 1):
            raise ValueError(f"`image` must be (H, W, 3) or (1, H, W, 3) uint8 RGB, got "
                             f"{image.dtype} of shape {list(image.shape)}.")
        out = self.model(images=batch)["images"]
        return out[0] if single else out
