"""Graph code shared by the SavedModel and TFLite exporters (`export/`)."""

from tf_deepexag.export_graphs.graphs import (ExportGraphs, check_generator,
                                              check_input, unrolled_copy)
from tf_deepexag.export_graphs.points import (align_jaw, from_stroke5, to_stroke5)

__all__ = ["ExportGraphs", "align_jaw", "check_generator", "check_input", "from_stroke5",
           "to_stroke5", "unrolled_copy"]
