"""Runs several command lines of the project's mains in one process (test helper).

Usage: python -m tests.cli._run_mains <cases.json> <results.json>

`cases.json` is a list of `[module, [args...]]`: `tf_deepexag` (the CLI's
`main(argv)`) or an absl main (`train.vae`, `export.saved_model`, ...),
whose flags are parsed and whose main runs the way `absl_main.run` runs
them (absl's `app.run` itself works once a process). Before each case a
line `=== case <i>` goes to stderr; `results.json` gets the exit codes.
TensorFlow is imported by the first main, as in a real run.
"""

import importlib
import json
import sys


def _run(module_name, args):
    if module_name == "tf_deepexag":
        from tf_deepexag import __main__ as cli  # pylint: disable=g-import-not-at-top
        return cli.main(args)
    from absl import flags  # pylint: disable=g-import-not-at-top

    module = importlib.import_module(module_name)  # starts quietly, defines its flags
    from tf_deepexag.cli import absl_main  # pylint: disable=g-import-not-at-top

    flags.FLAGS.unparse_flags()
    argv = absl_main.parse_flags([module_name] + list(args))
    return absl_main.reporting(module.main)(argv)


def main(cases_path, results_path):
    with open(cases_path) as f:
        cases = json.load(f)
    codes = []
    for i, (module_name, args) in enumerate(cases):
        sys.stdout.flush()
        print(f"=== case {i}", file=sys.stderr, flush=True)
        try:
            code = _run(module_name, args) or 0
        except SystemExit as e:
            code = 0 if e.code is None else e.code if isinstance(e.code, int) else 1
        sys.stderr.flush()
        codes.append(code)
    with open(results_path, "w") as f:
        json.dump(codes, f)


if __name__ == "__main__":
    main(*sys.argv[1:3])
