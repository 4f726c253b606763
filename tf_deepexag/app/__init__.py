"""The web page and HTTP API: `python -m tf_deepexag app` (docs/app.md).

Importing this package is light; the server's modules import Starlette and
the pipeline when used.
"""
