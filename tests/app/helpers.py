"""Shared pieces of the app tests: a stand-in engine, crafted photos, a test client."""

import io
import threading
import warnings

import numpy as np
from PIL import Image

with warnings.catch_warnings():
    # Starlette >= 1.10 prefers `httpx2` for its test client; httpx works.
    warnings.simplefilter("ignore")
    from starlette import testclient  # pylint: disable=g-import-not-at-top

from tests.png_headers import png_claiming  # noqa: F401 (used by the app tests)
from tf_deepexag import motion
from tf_deepexag.app import engine as engine_lib


class FakeEngine:
    """An `Engine` stand-in: draws no model, records its calls.

    Each sample's caricature is the photo's top-left 64 x 64 block, brightened
    by 10 * (sample index + 1), so tests can tell the samples apart; its morph
    (with `morph=True`) goes from the block to the caricature in two frames.
    """

    styles = ("cartoongan:hayao", "cartoon", "none")
    default_style = "cartoon"

    def __init__(self, fail_with=None, gate=None):
        self.calls = []
        self.fail_with = fail_with  # an exception to raise on the next call
        self.gate = gate            # a threading.Event each call waits for
        self.running = 0
        self.max_running = 0
        self._lock = threading.Lock()

    def caricature(self, photo, style=None, faces="largest", strength=1.0,
                   temperature=None, samples=1, seed=0, morph=False):
        with self._lock:
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            self.calls.append(dict(shape=photo.shape, style=style, faces=faces,
                                   strength=strength, temperature=temperature,
                                   samples=samples, seed=seed, morph=morph))
            if self.gate is not None:
                self.gate.wait(timeout=60)
            if self.fail_with is not None:
                error, self.fail_with = self.fail_with, None
                raise error
            out = []
            for k in range(samples):
                tile = np.clip(photo[:64, :64].astype(int) + 10 * (k + 1), 0, 255)
                tile = tile.astype(np.uint8)
                animation = motion.Morph((photo[:64, :64], tile), (8, 12)) if morph else None
                out.append(engine_lib.Sample(tile, tile, tile, tile, animation))
            return out
        finally:
            with self._lock:
                self.running -= 1


def client_for(app):
    """A Starlette test client that returns 500s instead of raising."""
    return testclient.TestClient(app, raise_server_exceptions=False)


def png_bytes(image):
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()




def post_photo(client, data, **fields):
    """POSTs the image file `data` to /api/caricature, `fields` as form values."""
    return client.post("/api/caricature", files={"photo": ("photo.png", data, "image/png")},
                       data={k: str(v) for k, v in fields.items()})


def png_answer(response):
    """The RGB pixels of a PNG answer, asserting it is one (status 200)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))
