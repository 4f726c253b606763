"""Runs exported TFLite models with LiteRT (`ai_edge_litert`), without TensorFlow.

This module imports only NumPy and LiteRT, so phones, Raspberry Pis and slim
containers can run the exported `exaggerate` and `stylize` graphs with a few
megabytes of runtime instead of TensorFlow.

Example:
    >>> from tf_deepexag.lite import LiteModel
    >>> model = LiteModel("export/tflite/exaggerate_fp32.tflite")
    >>> model.input_specs
    {'photo_points': ((-1, 68, 2), dtype('float32')), ...}
    >>> outputs = model(photo_points=points[None], ...)
"""

import os

import numpy as np
from ai_edge_litert import interpreter as litert


class LiteModel:
    """One signature of a `.tflite` file, with checked inputs.

    Args:
        path: str, the `.tflite` file.
        signature: str, the signature key; defaults to the file's only one.
        num_threads: int or None, CPU threads for the interpreter.

    Call arguments:
        **inputs: one NumPy array per input name, of the dtype and shape in
            `input_specs` (-1 marks a dimension that may vary).

    Returns:
        dict of output name to NumPy array.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a TFLite model, unknown signature, or inputs of the
            wrong name, dtype or shape (the message names the input and the
            expected shape).
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
        self._runner = self._interpreter.get_signature_runner(signature)
        self.input_specs = {
            name: (tuple(int(d) for d in detail["shape_signature"]),
                   np.dtype(detail["dtype"]))
            for name, detail in self._runner.get_input_details().items()}
        self.output_names = tuple(sorted(self._runner.get_output_details()))

    def _check(self, inputs):
        unknown = sorted(set(inputs) - set(self.input_specs))
        missing = sorted(set(self.input_specs) - set(inputs))
        if unknown or missing:
            raise ValueError(
                f"{self.signature}: inputs must be {sorted(self.input_specs)}; "
                f"unknown {unknown}, missing {missing}.")
        checked = {}
        for name, value in inputs.items():
            shape, dtype = self.input_specs[name]
            value = np.asarray(value)
            if value.dtype != dtype:
                raise ValueError(f"{self.signature}: input {name!r} must be {dtype}, "
                                 f"got {value.dtype} (expected shape {shape}).")
            if value.ndim != len(shape) or any(
                    want not in (-1, got) for want, got in zip(shape, value.shape)):
                raise ValueError(f"{self.signature}: input {name!r} must have shape "
                                 f"{shape} (-1 = any), got {value.shape}.")
            if np.issubdtype(dtype, np.floating) and not np.all(np.isfinite(value)):
                raise ValueError(f"{self.signature}: input {name!r} contains NaN or inf.")
            checked[name] = np.ascontiguousarray(value)
        return checked

    def __call__(self, **inputs):
        return dict(self._runner(**self._check(inputs)))
