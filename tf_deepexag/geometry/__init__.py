"""Geometry: the Seq2Seq VAE (encoder, decoder, mixture head), the one inference
graph (`GeometryGraph`, `Exaggerator`), sampling, baselines, evaluation.

The geometry as a map of the plane is `PlaneMap` (from the NumPy-only
`tf_deepexag.plane_map`, which the LiteRT runner shares).

Names are imported lazily, so `geometry.sampling_inputs` (NumPy only: the
noise, temperature and strength rules the LiteRT runner shares) loads
without TensorFlow.
"""

from tf_deepexag import _lazy

_LAZY = {
    "builtin_model_dir": "tf_deepexag.geometry.artifacts",
    "default_model_dir": "tf_deepexag.geometry.artifacts",
    "inference_copy": "tf_deepexag.geometry.artifacts",
    "load_artifacts": "tf_deepexag.geometry.artifacts",
    "resolve_model_dir": "tf_deepexag.geometry.artifacts",
    "save_artifacts": "tf_deepexag.geometry.artifacts",
    "EDFM": "tf_deepexag.geometry.baselines",
    "identity": "tf_deepexag.geometry.baselines",
    "VAEConfig": "tf_deepexag.geometry.config",
    "landmark_error": "tf_deepexag.geometry.evaluation",
    "Exaggerator": "tf_deepexag.geometry.exaggerator",
    "load_exaggerator": "tf_deepexag.geometry.exaggerator",
    "ALIGN_METHODS": "tf_deepexag.geometry.inference",
    "GeometryGraph": "tf_deepexag.geometry.inference",
    "SketchLSTM": "tf_deepexag.geometry.lstm_cell",
    "SketchLSTMCell": "tf_deepexag.geometry.lstm_cell",
    "kl_loss": "tf_deepexag.geometry.mixture",
    "mixture_distribution": "tf_deepexag.geometry.mixture",
    "reconstruction_loss": "tf_deepexag.geometry.mixture",
    "sequence_nll": "tf_deepexag.geometry.mixture",
    "split_params": "tf_deepexag.geometry.mixture",
    "MixtureHead": "tf_deepexag.geometry.mixture_head",
    "DeepExaggerationVAE": "tf_deepexag.geometry.model",
    "count_params": "tf_deepexag.geometry.model",
    "make_optimizer": "tf_deepexag.geometry.model",
    "shift_right": "tf_deepexag.geometry.model",
    "MIN_TEMPERATURE": "tf_deepexag.geometry.sampling",
    "sample_sequence": "tf_deepexag.geometry.sampling",
    "sample_step": "tf_deepexag.geometry.sampling",
    "SAMPLING_TEMPERATURE": "tf_deepexag.geometry.sampling_inputs",
    "apply_strength": "tf_deepexag.geometry.sampling_inputs",
    "check_num_samples": "tf_deepexag.geometry.sampling_inputs",
    "check_strength": "tf_deepexag.geometry.sampling_inputs",
    "draw_noise": "tf_deepexag.geometry.sampling_inputs",
    "resolve_temperature": "tf_deepexag.geometry.sampling_inputs",
    "SketchRNNDecay": "tf_deepexag.geometry.schedules",
    "annealed_weight": "tf_deepexag.geometry.schedules",
    "SequenceDecoder": "tf_deepexag.geometry.sequence_decoder",
    "SequenceEncoder": "tf_deepexag.geometry.sequence_encoder",
    "PlaneMap": "tf_deepexag.plane_map",
    "face_frame": "tf_deepexag.plane_map",
    "min_jacobian_determinant": "tf_deepexag.plane_map",
    "pinned_points": "tf_deepexag.plane_map",
}

__getattr__, __dir__, __all__ = _lazy.names(__name__, _LAZY)
