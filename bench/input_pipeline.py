"""Examples/s of the paired stroke-5 training pipeline (`data.paired_stroke_dataset`).

Goal: the pipeline is never the bottleneck: at least 20x the VAE's training
examples/s (see bench/vae_train.py).

    python bench/input_pipeline.py
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._report import report  # pylint: disable=wrong-import-position
from tf_deepexag import data, landmarks  # pylint: disable=wrong-import-position


def main():
    pairs = data.make_synthetic_pairs()
    stats = landmarks.NormalizationStats.fit(pairs.photo, pairs.caricature)
    rows = []
    for batch_size in (64, 256):
        dataset = data.paired_stroke_dataset(pairs.photo, pairs.caricature, stats,
                                             batch_size, training=True, seed=0)
        iterator = iter(dataset)
        for _ in range(20):  # warm-up: cache filled, threads started
            next(iterator)
        num_batches = 200
        start = time.perf_counter()
        for _ in range(num_batches):
            next(iterator)
        seconds = time.perf_counter() - start
        rows.append({"batch_size": batch_size, "batches": num_batches,
                     "examples_per_s": batch_size * num_batches / seconds,
                     "ms_per_batch": 1000 * seconds / num_batches})
    report("input_pipeline", rows, notes=(
        "training=True (shuffle, repeat, scale augmentation), 533 synthetic pairs, after "
        "20 warm-up batches. Goal: >= 20x the VAE's 64-200 training examples/s.",))


if __name__ == "__main__":
    main()
