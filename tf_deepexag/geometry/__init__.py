"""Geometry: the Seq2Seq VAE (encoder, decoder, mixture head), the one inference
graph (`GeometryGraph`, `Exaggerator`), sampling, baselines, evaluation."""

from tf_deepexag.geometry.artifacts import (builtin_model_dir, default_model_dir,
                                            inference_copy, load_artifacts,
                                            resolve_model_dir, save_artifacts)
from tf_deepexag.geometry.baselines import EDFM, identity
from tf_deepexag.geometry.config import VAEConfig
from tf_deepexag.geometry.evaluation import landmark_error
from tf_deepexag.geometry.exaggerator import Exaggerator, load_exaggerator
from tf_deepexag.geometry.inference import ALIGN_METHODS, GeometryGraph
from tf_deepexag.geometry.lstm_cell import CELL_TYPES, SketchLSTM, SketchLSTMCell
from tf_deepexag.geometry.mixture import (kl_loss, mixture_distribution,
                                          reconstruction_loss, sequence_nll,
                                          split_params)
from tf_deepexag.geometry.mixture_head import MixtureHead
from tf_deepexag.geometry.model import (DeepExaggerationVAE, count_params,
                                        make_optimizer, shift_right)
from tf_deepexag.geometry.sampling import (MIN_TEMPERATURE, sample_sequence,
                                           sample_step)
from tf_deepexag.geometry.schedules import SketchRNNDecay, annealed_weight
from tf_deepexag.geometry.sequence_decoder import SequenceDecoder
from tf_deepexag.geometry.sequence_encoder import SequenceEncoder

__all__ = [
    "ALIGN_METHODS", "CELL_TYPES", "DeepExaggerationVAE", "EDFM", "Exaggerator",
    "GeometryGraph", "MIN_TEMPERATURE", "MixtureHead",
    "SequenceDecoder", "SequenceEncoder", "SketchLSTM", "SketchLSTMCell",
    "SketchRNNDecay", "VAEConfig", "annealed_weight", "count_params",
    "builtin_model_dir", "default_model_dir", "resolve_model_dir", "identity",
    "inference_copy", "kl_loss", "landmark_error",
    "load_artifacts", "load_exaggerator", "make_optimizer", "mixture_distribution",
    "reconstruction_loss", "sample_sequence", "sample_step", "save_artifacts",
    "sequence_nll", "shift_right", "split_params",
]
