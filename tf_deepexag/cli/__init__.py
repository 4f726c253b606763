"""Sub-commands of `python -m tf_deepexag`, one module each (see `__main__`)."""
