"""Export library: the pipeline as a SavedModel (TF Serving) and as TFLite files.

`python -m export.saved_model` and `python -m export.tflite` (the repository's
thin mains) call `export_saved_model` and `export_tflite`; the runtimes for
the results are in `tf_deepexag.serving`.
"""

from tf_deepexag.export.graphs import ExportGraphs, check_generator
from tf_deepexag.export.loading import load_geometry, load_style
from tf_deepexag.export.saved_model import export_saved_model, next_version
from tf_deepexag.export.signatures import ServingModule, check_input
from tf_deepexag.export.tflite import (QUANTIZATIONS, convert, export_tflite,
                                       tflite_functions)

__all__ = ["ExportGraphs", "QUANTIZATIONS", "ServingModule", "check_generator",
           "check_input", "convert", "export_saved_model", "export_tflite",
           "load_geometry", "load_style", "next_version", "tflite_functions"]
