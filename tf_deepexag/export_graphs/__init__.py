"""Graph code shared by the SavedModel and TFLite exporters (`export/`), and
`SavedModelRunner`, the exported signatures with inputs checked by name."""

from tf_deepexag.export_graphs.graphs import (ExportGraphs, check_generator,
                                              check_input, unrolled_copy)
from tf_deepexag.export_graphs.points import (align_jaw, from_stroke5, to_stroke5)
from tf_deepexag.export_graphs.saved_model_runner import SavedModelRunner

__all__ = ["ExportGraphs", "SavedModelRunner", "align_jaw", "check_generator",
           "check_input", "from_stroke5", "to_stroke5", "unrolled_copy"]
