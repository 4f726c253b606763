"""Runs exported TFLite models with LiteRT (`ai_edge_litert`), without TensorFlow.

Shapes: B faces, N = T = 68 points, Z = `z_size`, S the style generator's side.

This module imports only NumPy and LiteRT, so phones, Raspberry Pis and slim
containers can run the files `python -m export.tflite` writes with a few
megabytes of runtime instead of TensorFlow:

    decode_<q>.tflite      strokes, eps_z, uniforms, normals, temperature
                           -> strokes (the VAE), with geometry.json (the
                           landmark steps around it, run here in float64)
    exaggerate_<q>.tflite  photo_points, eps_z, uniforms, normals,
                           temperature, strength -> caricature_points (all
                           of the geometry in the file, in float32)
    stylize_<q>.tflite     images -> images (CartoonGAN: uint8 at any size,
                           `LiteStylizer`; U-GAT-IT: float32 [-1, 1] at S)

`LiteExaggerator` offers `geometry.Exaggerator`'s interface over the decode
file and `geometry.host_steps` (the landmark steps in float64, as the
Python graph runs them: the same points within 1e-4 px; the noise drawn
from a seed by `geometry.sampling_inputs`, as every runtime draws it); the
file treats temperature <= 0 as deterministic (the geometry graph's rule);
its `map_points` applies the map of the plane (`plane_map.PlaneMapping`,
NumPy only). `LiteModel` runs one file's signature with checked inputs.

Example:
    >>> from tf_deepexag.serving.litert import LiteExaggerator, LiteModel
    >>> ex = LiteExaggerator("out/tflite", quantization="int8")
    >>> caricature = ex.exaggerate(points)[0]            # (68, 2), deterministic
    >>> sampled = ex.exaggerate(points, temperature=0.5, seed=7)  # Exaggerator's samples
    >>> style = LiteStylizer("out/tflite/stylize_fp16.tflite")  # CartoonGAN
    >>> painted = style(photo_uint8)                     # (H, W, 3) uint8, any size
"""

import os

import numpy as np
from ai_edge_litert import interpreter as litert

from tf_deepexag import plane_map  # NumPy only
from tf_deepexag.geometry import sampling_inputs  # NumPy only
from tf_deepexag.geometry.host_steps import HostSteps  # NumPy only

QUANTIZATIONS = ("fp32", "fp16", "int8")  # as export.tflite writes them


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


class LiteExaggerator(plane_map.PlaneMapping):
    """`geometry.Exaggerator`'s interface over the exported `decode_<q>.tflite`
    file and its `geometry.json`.

    The seed, the default temperature and the strength's range are resolved
    by `geometry.sampling_inputs` (NumPy only), as `Exaggerator` and
    `SavedModelExaggerator` resolve them, so the same seed gives the same
    samples in all three (fp32: within 1e-4 px of `Exaggerator`). The file
    is loaded on first use; it runs one face at a time (batch 1).

    Args:
        directory: str, the `python -m export.tflite` output directory.
        quantization: "fp32", "fp16" or "int8". Defaults to `"fp32"`.
        num_threads: int or None, CPU threads of the interpreter.

    Example:
        >>> ex = LiteExaggerator("out/tflite", quantization="int8")
        >>> mode = ex.exaggerate(points)                       # (1, 68, 2), deterministic
        >>> draws = ex.exaggerate(points, num_samples=3, seed=7)  # (3, 68, 2)

    Raises:
        FileNotFoundError: the directory or file is missing.
        ValueError: bad `quantization`.
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
        self._steps = None

    @property
    def path(self):
        """The decode file of this quantization."""
        return os.path.join(self.directory, f"decode_{self.quantization}.tflite")

    @property
    def model(self):
        """The `LiteModel` of the file, loaded once."""
        if self._model is None:
            if not os.path.isfile(self.path) and os.path.isfile(os.path.join(
                    self.directory, f"exaggerate_{self.quantization}.tflite")):
                raise FileNotFoundError(f"No such TFLite model: {self.path} (an export from "
                                        "before the decode file: export it again with "
                                        "`python -m export.tflite`).")
            self._model = LiteModel(self.path, num_threads=self.num_threads)
        return self._model

    @property
    def steps(self):
        """The landmark steps (`HostSteps` of `geometry.json`), loaded once."""
        if self._steps is None:
            self._steps = HostSteps.load(self.directory)
        return self._steps

    def run(self, photo_points, eps_z, uniforms, normals, temperature, strength=1.0,
            output="caricature_points"):
        """The geometry on `(B, N, 2)` points with the given noise rows: its
        `output` (`(B, N, 2)` caricature points, or `(B, T + P, 2)`
        `control_points` or `control_targets`, the exaggerate file's outputs),
        or every output by name for `output=None`.

        The landmark steps run here in float64 (`geometry.host_steps`), the
        VAE in the file, face by face: it reads the float32 strokes the
        Python graph's VAE reads. Temperature <= 0 is deterministic inside
        the file (the noise is then read by no result); nothing is checked
        beyond `LiteModel`'s checks.
        """
        steps, model = self.steps, self.model
        photo = steps.model_points(np.asarray(photo_points, np.float32))   # (B, T, 2)
        strokes, anchor, back = steps.photo_strokes(photo)
        decoded = np.concatenate([
            model(strokes=strokes[i:i + 1], eps_z=eps_z[i:i + 1], uniforms=uniforms[i:i + 1],
                  normals=normals[i:i + 1], temperature=np.float32(temperature))["strokes"]
            for i in range(len(photo))])
        targets = steps.targets(decoded, anchor, back, photo, strength)
        if output == "caricature_points":  # `exaggerate`: no map points needed
            return targets[:, :steps.num_landmarks].astype(np.float32)
        pins = plane_map.pinned_points(photo)                             # (B, P, 2)
        outputs = {"caricature_points": targets[:, :steps.num_landmarks],
                   "control_points": np.concatenate([photo, pins], axis=1),
                   "control_targets": np.concatenate([targets, pins], axis=1)}
        outputs = {name: value.astype(np.float32) for name, value in outputs.items()}
        return outputs if output is None else outputs[output]

    def _prepare(self, photo_points, num_samples, temperature, seed, strength):
        """`(single, T, photo, noise, temperature, strength)`: the file's rows."""
        specs = self.model.input_specs
        batch, single = sampling_inputs.points_batch(photo_points, self.steps.num_landmarks)
        num_steps = specs["uniforms"][0][1]
        return (single, num_steps) + sampling_inputs.prepare(
            batch, num_samples, temperature, seed, strength,
            z_size=specs["eps_z"][0][-1], num_steps=num_steps)

    def exaggerate(self, photo_points, num_samples=1, temperature=None, seed=None,
                   strength=1.0):
        """Exaggerated landmarks in the photo's frame, as `Exaggerator.exaggerate`.

        Args:
            photo_points: `(68, 2)` or `(B, 68, 2)` absolute (x, y) points.
            num_samples: int, samples per face.
            temperature: float >= 0, or None: 0 for one sample, the sampling
                default for several (`sampling_inputs.resolve_temperature`).
            seed: int or None; the same seed gives `Exaggerator`'s samples.
            strength: float >= 0, 0 = photo, 1 = generated shape.

        Returns:
            float32 `(S, 68, 2)` for one face, `(B, S, 68, 2)` for a batch.

        Raises:
            errors.UserError: a bad argument (named).
        """
        single, _, photo, noise, temperature, strength = self._prepare(
            photo_points, num_samples, temperature, seed, strength)
        out = self.run(photo, *noise, temperature, strength)
        return sampling_inputs.per_face(out, num_samples, single)

    def controls(self, photo_points, num_samples=1, temperature=None, seed=None,
                 strength=1.0, image=None):
        """Every control point and where it lands, as `Exaggerator.controls`
        (the file's `control_points` and `control_targets`, its pins dropped).

        Returns:
            `(source (T, 2), targets (S, T, 2))` float32 for one face,
            `(source (B, T, 2), targets (B, S, T, 2))` for a batch.
        """
        del image  # the exported models read the landmarks only
        single, num_steps, photo, noise, temperature, strength = self._prepare(
            photo_points, num_samples, temperature, seed, strength)
        out = self.run(photo, *noise, temperature, strength, output=None)
        return sampling_inputs.controls_per_face(out["control_points"], out["control_targets"],
                                                 num_samples, single, num_steps)

    def __call__(self, points, num_samples=1, temperature=None, seed=None, strength=1.0):
        """The `Caricaturist` geometry stage: `(N, 2)` -> `(S, N, 2)`."""
        return self.exaggerate(points, num_samples=num_samples, temperature=temperature,
                               seed=seed, strength=strength)


class LiteStylizer:
    """A CartoonGAN `stylize_<q>.tflite` file as a stylizer: uint8 RGB in and out.

    The file holds the `style.processing.paint` path (pad to a multiple of 4,
    generator, crop, blend by the pipeline's style weight) with a dynamic
    image size, so any image runs as it is (at its own size: shrink it to the
    pipeline's 256 px first to match it); LiteRT re-plans the interpreter
    when the size changes.

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
