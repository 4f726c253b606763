"""Shared output of the benchmarks: a printed table and a JSON file."""

import json
import os
import platform

RESULTS_DIR = os.path.join(os.path.dirname(__file__), "results")


def report(name, rows, notes=(), results_dir=RESULTS_DIR):
    """Prints `rows` (list of dicts) as a table and writes `<results_dir>/<name>.json`."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    widths = [max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns]
    print(" | ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(_fmt(row.get(c)).ljust(w) for c, w in zip(columns, widths)))
    for note in notes:
        print(note)
    os.makedirs(results_dir, exist_ok=True)
    path = os.path.join(results_dir, f"{name}.json")
    with open(path, "w") as f:
        json.dump({"benchmark": name, "machine": platform.platform(),
                   "cpus": os.cpu_count(), "rows": rows, "notes": list(notes)},
                  f, indent=2)
    print(f"wrote {path}")


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)
