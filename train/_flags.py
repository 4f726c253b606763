"""Flags shared by the training entry points (`--verbose` and the error
policy: `tf_deepexag.cli.absl_main`)."""

from absl import flags

_DEFINE = {bool: flags.DEFINE_boolean, int: flags.DEFINE_integer,
           float: flags.DEFINE_float, str: flags.DEFINE_string}


def define_config_flags(defaults, help_texts):
    """One flag per config field named in `help_texts`, defaulting to `defaults`'.

    Args:
        defaults: a config dataclass instance (e.g. `VAEConfig()`).
        help_texts: dict of field name to help text.

    Returns:
        dict of field name to `FlagHolder`.
    """
    return {name: _DEFINE[type(getattr(defaults, name))](name, getattr(defaults, name), text)
            for name, text in help_texts.items()}


# `train.vae`'s model and optimisation flags (sketch-rnn / DeepExaggeration
# names; defaults = the original).
VAE_HELP = {
    "enc_rnn_size": "Encoder LSTM units per direction.",
    "dec_rnn_size": "Decoder LSTM units.",
    "z_size": "Latent size.",
    "num_mixture": "Bivariate normals in the output mixture.",
    "kl_weight": "Final KL weight.",
    "kl_weight_start": "KL weight at step 0.",
    "kl_tolerance": "KL floor.",
    "kl_decay_rate": "KL weight annealing factor per step.",
    "il_weight": "Final photo-consistency ('identity loss') weight.",
    "il_weight_start": "Consistency weight at step 0.",
    "il_decay_rate": "Consistency weight annealing factor per step.",
    "learning_rate": "Adam learning rate at step 0.",
    "decay_rate": "Learning-rate decay per step.",
    "min_learning_rate": "Learning-rate floor.",
    "grad_clip": "Clip gradients by value to [-g, g].",
    "use_recurrent_dropout": "Recurrent dropout in both LSTMs.",
    "recurrent_dropout_prob": "KEEP probability of recurrent dropout (0.9 = rate 0.1).",
    "random_scale_factor": "Random x/y scale augmentation in [1-f, 1+f].",
    "batch_size": "Global batch size.",
    "num_steps": "Training steps.",
    "max_seq_len": "Steps per face (68 for iBUG-68).",
    "mask_end_offset": "Mask the end step's offset NLL, as the original.",
    "unroll": "Unroll LSTM loops.",
    "decoder_photo": "Photo step the decoder reads: previous (original) | current.",
    "feed_caricature": "The decoder reads its previous caricature step (the "
                       "original); False: photo and z only (no exposure bias).",
    "photo_skip": "Add the photo's step offset to the mixture means (the head "
                  "predicts the exaggeration; False = the original head).",
    "edfm_prior": "Start the head at EDFM (gain and a per-step bias fitted on the "
                  "training pairs; needs --photo_skip and --input_frame=canonical); "
                  "the decoder learns the residual.",
    "latent_skip": "With --edfm_prior: a per-step linear readout of z joins the "
                   "mixture means (a direct path from the whole photo).",
    "shape_weight": "Weight of the absolute-shape term: squared distance of the "
                    "centred faces rebuilt from the mean offsets (0 = the original).",
    "prior_rate": "Learning-rate multiplier of the --edfm_prior/--latent_skip "
                  "per-step weights (stored divided by it, used multiplied).",
    "baseline": "Frozen baseline in the head: none | ridge (the ridge map fitted on "
                "the training pairs; the model learns the residual).",
    "sample_noise": "How samples vary: mixture (per-step draws, the original) | "
                    "correlated (whole-face noise modes weighted by z's noise).",
    "noise_components": "Correlated noise modes (principal modes of the training "
                        "residuals; needs --baseline=ridge).",
}
