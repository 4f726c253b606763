"""Deployment exporters: `python -m export.saved_model`, `python -m export.tflite`."""
