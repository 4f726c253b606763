"""Examples/s of `train.vae` in one process vs two local workers.

On this 2-core machine two workers share the same cores, so this measures the
overhead of `MultiWorkerMirroredStrategy` (gradient all-reduce over gRPC on
127.0.0.1, input rebatching), not a speed-up. On two real machines the same
command gives each worker its own cores.

    python bench/scaling.py [--steps 60] [--flagfile train/configs/vae_smoke.cfg]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._report import report  # pylint: disable=wrong-import-position
from tf_deepexag import training  # pylint: disable=wrong-import-position

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_RATE = re.compile(r"step (\d+) .*examples/s=([0-9.]+)")


def _run(num_workers, args, model_dir):
    common = [sys.executable, "-m", "train.vae", f"--flagfile={args.flagfile}",
              f"--model_dir={model_dir}", f"--num_steps={args.steps}",
              f"--log_every={args.steps // 3}", f"--eval_every={10 * args.steps}",
              f"--checkpoint_every={10 * args.steps}", f"--batch_size={args.batch_size}"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    if num_workers == 1:
        commands = [(common + ["--strategy=default"], env)]
    else:
        commands = [(common + ["--strategy=multi_worker"], dict(env, TF_CONFIG=config))
                    for config in training.local_cluster(num_workers)]
    processes = [subprocess.Popen(c, cwd=ROOT, env=e, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
                 for c, e in commands]
    outputs = [p.communicate(timeout=1800)[0] for p in processes]
    for p, out in zip(processes, outputs):
        if p.returncode != 0:
            raise RuntimeError(f"train.vae failed:\n{out[-3000:]}")
    # The chief's rate over the last logging window (after tracing and warm-up).
    rates = [(int(m.group(1)), float(m.group(2))) for m in _RATE.finditer(outputs[0])]
    return rates[-1][1]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--flagfile", default="train/configs/vae_smoke.cfg")
    args = parser.parse_args()
    rows = []
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as model_dir:
            rate = _run(workers, args, model_dir)
        rows.append({"processes": workers, "global_batch": args.batch_size,
                     "examples_per_s": rate})
    rows[1]["relative_to_one_process"] = rows[1]["examples_per_s"] / rows[0]["examples_per_s"]
    report("scaling", rows, notes=[
        "2 local workers on a 2-core machine share the cores: this is the "
        "MultiWorkerMirroredStrategy overhead, not a speed-up.",
        f"config: {args.flagfile}, {args.steps} steps, rate of the last log window"])


if __name__ == "__main__":
    main()
