"""HTTP tests of `app.server` around a stand-in engine (no models: fast).

The real pipeline's answers are in `test_server_astronaut.py`.
"""

import asyncio
import concurrent.futures
import io
import os
import re
import socket
import threading
import time

import numpy as np
import pytest
from PIL import Image

from tests import test_fileio
from tests.app import helpers
from tf_deepexag import errors
from tf_deepexag.app import engine as engine_lib
from tf_deepexag.app import server, uploads

PHOTO = np.random.default_rng(0).integers(0, 255, (96, 128, 3), np.uint8)
PNG = helpers.png_bytes(PHOTO)


_image = helpers.png_answer


def _post(client, data=PNG, **fields):
    return helpers.post_photo(client, data, **fields)


def _expected_tile(k):
    return np.clip(PHOTO[:64, :64].astype(int) + 10 * (k + 1), 0, 255).astype(np.uint8)


def test_healthz_info_and_page(make_client):
    client = make_client(server.create_app(helpers.FakeEngine()))
    assert client.get("/healthz").status_code == 200
    info = client.get("/api/info").json()
    assert [s["spec"] for s in info["styles"]] == ["cartoongan:hayao", "cartoon", "none"]
    assert [s["group"] for s in info["styles"]] == ["learned", "classic", "none"]
    assert info["default_style"] == "cartoon"
    page = client.get("/")
    assert page.status_code == 200 and "<title>Caricature" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200, asset
    sample = _image(client.get("/sample.png"))
    assert sample.shape == (512, 512, 3)  # scikit-image's astronaut


def test_static_files_load_nothing_from_elsewhere():
    for name in os.listdir(server.STATIC_DIR):
        with open(os.path.join(server.STATIC_DIR, name), encoding="utf-8") as f:
            text = f.read()
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), name
        assert "@import" not in text and "@font-face" not in text, name


def test_one_sample_is_the_caricature_png_with_fields_passed_on(make_client):
    engine = helpers.FakeEngine()
    client = make_client(server.create_app(engine))
    image = _image(_post(client, strength=2.5, temperature=0.4, seed=9, style="none",
                         faces="all"))
    np.testing.assert_array_equal(image, _expected_tile(0))
    assert engine.calls == [dict(shape=PHOTO.shape, style="none", faces="all",
                                 strength=2.5, temperature=0.4, samples=1, seed=9,
                                 morph=False)]


def test_defaults_reach_the_engine(make_client):
    engine = helpers.FakeEngine()
    client = make_client(server.create_app(engine))
    _image(_post(client))
    assert engine.calls == [dict(shape=PHOTO.shape, style=None, faces="largest",
                                 strength=1.0, temperature=None, samples=1, seed=0,
                                 morph=False)]


def test_several_samples_are_one_grid_png(make_client):
    client = make_client(server.create_app(helpers.FakeEngine()))
    response = _post(client, samples=3)
    grid = _image(response)
    gap = 8  # render.GRID_GAP
    assert grid.shape == (64, 3 * 64 + 2 * gap, 3)
    for k in range(3):
        x = k * (64 + gap)
        np.testing.assert_array_equal(grid[:, x:x + 64], _expected_tile(k))
    assert response.headers["x-samples"] == "3"


def test_json_format_gives_four_panels_a_sample(make_client):
    client = make_client(server.create_app(helpers.FakeEngine()))
    answer = _post(client, samples=2, format="json").json()
    assert len(answer["samples"]) == 2
    for sample in answer["samples"]:
        assert set(sample) == {"photo", "landmarks", "warped", "caricature"}
        assert all(v.startswith("data:image/png;base64,") for v in sample.values())


# Lossy WebP cannot keep PHOTO's noise: the morph tests send smooth ramps.
_YY, _XX = np.mgrid[:96, :128]
SMOOTH = np.stack([_XX * 1.5, _YY * 2.0, 200 - _XX], -1).astype(np.uint8)


def _smooth_tile(k):
    return np.clip(SMOOTH[:64, :64].astype(int) + 10 * (k + 1), 0, 255)


def _webp_frames(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "WEBP" and image.is_animated and image.info["loop"] == 0
        frames = []
        for k in range(image.n_frames):
            image.seek(k)
            frames.append(np.asarray(image.convert("RGB"), np.float64))
        return frames


def test_morph_is_an_animated_webp_from_the_photo_to_the_caricature(make_client):
    engine = helpers.FakeEngine()
    client = make_client(server.create_app(engine))
    first, last = _webp_frames(_post(client, helpers.png_bytes(SMOOTH), morph=1))
    # Lossy WebP: within 3 grey levels on average of the frames the engine made.
    assert np.abs(first - SMOOTH[:64, :64]).mean() <= 3
    assert np.abs(last - _smooth_tile(0)).mean() <= 3
    assert engine.calls[-1]["morph"] is True


def test_several_morphs_are_one_grid_animation(make_client):
    client = make_client(server.create_app(helpers.FakeEngine()))
    frames = _webp_frames(_post(client, helpers.png_bytes(SMOOTH), morph=1, samples=2))
    gap = 8  # render.GRID_GAP
    assert frames[-1].shape == (64, 2 * 64 + gap, 3)
    for k in range(2):
        x = k * (64 + gap)
        assert np.abs(frames[0][:, x:x + 64] - SMOOTH[:64, :64]).mean() <= 3
        assert np.abs(frames[-1][:, x:x + 64] - _smooth_tile(k)).mean() <= 3


def test_json_carries_the_morph_when_asked(make_client):
    client = make_client(server.create_app(helpers.FakeEngine()))
    answer = _post(client, morph="1", format="json").json()
    assert answer["samples"][0]["morph"].startswith("data:image/webp;base64,")
    assert "morph" not in _post(client, format="json").json()["samples"][0]


def test_morph_of_all_faces_is_422_and_never_runs(make_client):
    engine = helpers.FakeEngine()
    client = make_client(server.create_app(engine))
    response = _post(client, morph=1, faces="all")
    assert response.status_code == 422 and "faces=largest" in response.json()["error"]
    assert engine.calls == []


def test_not_an_image_is_400_and_missing_photo_is_400(make_client):
    engine = helpers.FakeEngine()
    client = make_client(server.create_app(engine))
    for data in (b"\x00\x01garbage", b""):
        response = _post(client, data=data)
        assert response.status_code == 400 and "error" in response.json()
    response = client.post("/api/caricature", data={"strength": "1"})
    assert response.status_code == 400 and "`photo`" in response.json()["error"]
    response = client.post("/api/caricature", content=b"{}",
                           headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert engine.calls == []


def test_bad_field_values_are_422_and_never_run(make_client):
    engine = helpers.FakeEngine()
    client = make_client(server.create_app(engine))
    for fields in ({"strength": "lots"}, {"samples": "100"}, {"style": "picasso"},
                   {"temperature": "-2"}, {"seed": "x"}, {"colour": "red"}):
        response = _post(client, **fields)
        assert response.status_code == 422, fields
        assert next(iter(fields)) in response.json()["error"]
    assert engine.calls == []


def test_30000_pixel_header_is_413_and_the_server_answers_after(make_client):
    engine = helpers.FakeEngine()
    client = make_client(server.create_app(engine))
    response = _post(client, data=helpers.png_claiming(30000, 30000))
    assert response.status_code == 413 and "megapixels" in response.json()["error"]
    assert engine.calls == []
    assert client.get("/healthz").status_code == 200
    _image(_post(client))


def test_files_over_the_byte_limit_are_413(make_client):
    limits = uploads.Limits(max_file_bytes=len(PNG) - 1)
    client = make_client(server.create_app(helpers.FakeEngine(), limits=limits))
    assert _post(client).status_code == 413
    # A body far over the limit is refused from its Content-Length alone.
    big = b"\x00" * (len(PNG) + 128 * 1024)
    response = _post(client, data=big)
    assert response.status_code == 413 and "MB" in response.json()["error"]


def test_a_chunked_body_over_the_limit_is_cut_off_with_413(make_client):
    limits = uploads.Limits(max_file_bytes=1000)
    client = make_client(server.create_app(helpers.FakeEngine(), limits=limits))
    boundary = "xyz"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; "
            f"filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n").encode()

    def body():  # no Content-Length: the server must count
        yield head
        for _ in range(200):
            yield b"\x00" * 1024

    response = client.post("/api/caricature", content=body(),
                           headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 413


def test_no_face_is_422_and_a_crash_is_500_then_the_server_goes_on(make_client):
    engine = helpers.FakeEngine(fail_with=errors.NoFaceError("No face found in the photo."))
    client = make_client(server.create_app(engine))
    response = _post(client)
    assert response.status_code == 422 and "No face" in response.json()["error"]
    engine.fail_with = MemoryError()
    response = _post(client)
    assert response.status_code == 500 and "MemoryError" in response.json()["error"]
    assert client.get("/healthz").json()["status"] == "ok"
    _image(_post(client))


def test_unknown_api_path_and_method_are_json_errors(make_client):
    client = make_client(server.create_app(helpers.FakeEngine()))
    assert client.get("/api/nothing").status_code == 404
    assert "error" in client.get("/api/nothing").json()
    response = client.get("/api/caricature")
    assert response.status_code == 405 and "error" in response.json()


def test_requests_run_one_at_a_time_and_a_full_queue_is_503(make_client):
    gate = threading.Event()
    engine = helpers.FakeEngine(gate=gate)
    app = server.create_app(engine, max_waiting=1)
    client = make_client(app)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        running = [pool.submit(_post, client) for _ in range(2)]
        deadline = time.monotonic() + 30
        while app.state.queue.jobs < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert app.state.queue.jobs == 2  # one running, one waiting
        refused = _post(client)
        assert refused.status_code == 503 and "busy" in refused.json()["error"]
        gate.set()
        assert [f.result().status_code for f in running] == [200, 200]
    assert engine.max_running == 1 and len(engine.calls) == 2


def test_every_undecodable_upload_is_a_400_json_and_never_runs(make_client):
    engine = helpers.FakeEngine()
    client = make_client(server.create_app(engine))
    for name, make in sorted(test_fileio.UNDECODABLE.items()):
        response = _post(client, data=make())
        assert response.status_code == 400, (name, response.text)
        assert set(response.json()) == {"error"}
    assert engine.calls == []


# --- A client that leaves (issue 28, item 5) ---

_BOUNDARY = "tf-deepexag-test"


def _form_body(data=PNG):
    return (f"--{_BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; "
            f"filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n").encode() + data \
        + f"\r\n--{_BOUNDARY}--\r\n".encode()


class _ASGIClient:
    """One request made straight to the ASGI app, as uvicorn would: the body,
    then `http.disconnect` when the client leaves (or after the response)."""

    def __init__(self, app):
        self.app, self.status, self.left = app, None, asyncio.Event()

    async def receive(self):
        if not hasattr(self, "_sent"):
            self._sent = True
            return {"type": "http.request", "body": _form_body(), "more_body": False}
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def send(self, message):
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif not message.get("more_body"):
            self.left.set()  # the answer is complete: the connection closes

    def post(self):
        body = _form_body()
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/api/caricature",
                 "raw_path": b"/api/caricature", "query_string": b"", "root_path": "",
                 "headers": [(b"content-type",
                              f"multipart/form-data; boundary={_BOUNDARY}".encode()),
                             (b"content-length", str(len(body)).encode())],
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 7860)}
        return asyncio.ensure_future(self.app(scope, self.receive, self.send))


async def _until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_a_waiting_request_whose_client_left_is_dropped_and_frees_its_place():
    gate = threading.Event()
    engine = helpers.FakeEngine(gate=gate)
    app = server.create_app(engine, max_waiting=2)
    queue = app.state.queue

    async def scenario():
        running = _ASGIClient(app)
        first = running.post()
        await _until(lambda: engine.running == 1)
        leaving = [_ASGIClient(app) for _ in range(2)]
        tasks = [c.post() for c in leaving]
        await _until(lambda: queue.jobs == 3)  # one running, two waiting: full
        for client in leaving:
            client.left.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert queue.jobs == 1  # the waiting ones are gone, not run later
        staying = _ASGIClient(app)
        second = staying.post()
        await _until(lambda: queue.jobs == 2)  # accepted, no 503
        gate.set()
        await asyncio.wait_for(asyncio.gather(first, second), 10)
        return running.status, staying.status

    try:
        assert asyncio.run(scenario()) == (200, 200)
        assert len(engine.calls) == 2 and queue.jobs == 0
    finally:
        gate.set()
        queue.shutdown()


def test_over_loopback_a_closed_connection_drops_its_queued_request():
    uvicorn = pytest.importorskip("uvicorn")
    gate = threading.Event()
    engine = helpers.FakeEngine(gate=gate)
    app = server.create_app(engine, max_waiting=2)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    body = _form_body()
    request = (f"POST /api/caricature HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
               f"multipart/form-data; boundary={_BOUNDARY}\r\nContent-Length: {len(body)}"
               f"\r\n\r\n").encode() + body
    clients = []
    try:
        deadline = time.monotonic() + 30
        while not uv.started:
            assert time.monotonic() < deadline and thread.is_alive()
            time.sleep(0.01)
        for expected_jobs in (1, 2, 3):
            client = socket.create_connection(("127.0.0.1", port), timeout=10)
            client.sendall(request)
            clients.append(client)
            while app.state.queue.jobs < expected_jobs:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        for client in clients[1:]:  # two clients give up waiting
            client.close()
        while app.state.queue.jobs > 1:
            assert time.monotonic() < deadline, app.state.queue.jobs
            time.sleep(0.01)
        gate.set()
        answer = clients[0].recv(65536)
        assert answer.startswith(b"HTTP/1.1 200")
        assert len(engine.calls) == 1
    finally:
        gate.set()
        for client in clients:
            client.close()
        uv.should_exit = True
        thread.join(10)
        app.state.queue.shutdown()
