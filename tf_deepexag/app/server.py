"""The Starlette application: the page, `POST /api/caricature`, `GET /healthz`.

Routes:
    GET  /                 the page (static HTML/JS/CSS from `app/static/`)
    GET  /healthz          200 {"status": "ok", ...}
    GET  /api/info         styles, defaults and limits (the page's menus)
    GET  /sample.png       the bundled sample photo
    POST /api/caricature   multipart form -> image/png, image/webp (the morph)
                           with morph=1, or JSON with format=json

Errors are JSON `{"error": "..."}`: 400 not an image or a malformed form, 413
over a size limit, 422 no face or a bad field, 503 queue full, 500 a failed
run (the server stays up). A request whose client disconnects while it waits
in the queue is dropped there and never runs (`_unless_client_leaves`). Nothing is fetched from elsewhere: the page's
Content-Security-Policy allows this origin only.
"""

import asyncio
import contextlib
import os
import time

from absl import logging
from starlette import (applications, datastructures, exceptions, middleware, responses,
                       routing)
from starlette import staticfiles

from tf_deepexag import errors
from tf_deepexag.app import engine as engine_lib
from tf_deepexag.app import render, run_queue, uploads

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
_FORM_SLACK = 64 * 1024  # bytes of a request besides the photo (fields, headers)
_CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'")


class _BodyTooLargeError(Exception):
    pass


class _ClientLeftError(Exception):
    pass


async def _disconnected(request):
    """Returns when the client has closed the connection.

    Once the body is read, the ASGI server's next `receive()` message is
    `http.disconnect`, sent when the client goes (or the response is done).
    """
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def _unless_client_leaves(request, job):
    """Awaits the coroutine `job`, cancelled if the client disconnects first.

    A cancelled `RunQueue.run` drops its job if the job has not started (one
    already running finishes; its answer is discarded).

    Raises:
        _ClientLeftError: the client left before the answer was ready.
    """
    job = asyncio.ensure_future(job)
    gone = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait({job, gone}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        job.cancel()
        raise
    finally:
        gone.cancel()
    if not job.done():
        job.cancel()
        raise _ClientLeftError()
    return job.result()


class _BodyLimit:
    """ASGI middleware: stops reading a request body past `max_bytes`."""

    def __init__(self, app, max_bytes):
        self.app, self.max_bytes = app, int(max_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLargeError()
            return message

        return await self.app(scope, limited_receive, send)


class _SecurityHeaders:
    """ASGI middleware: the page may load nothing from other origins."""

    _HEADERS = ((b"content-security-policy", _CSP.encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"))

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + list(self._HEADERS)
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def _error(status, message):
    return responses.JSONResponse({"error": message}, status_code=status)


def create_app(engine, limits=None, max_waiting=4):
    """Builds the ASGI app around a loaded `engine.Engine`.

    Args:
        engine: an `engine.Engine` (or an object with its `styles`,
            `default_style` and `caricature`).
        limits: `uploads.Limits`; defaults to `uploads.Limits()`.
        max_waiting: int, requests allowed to wait behind the running one.

    Returns:
        a `starlette.applications.Starlette`.
    """
    limits = limits or uploads.Limits()
    queue = run_queue.RunQueue(max_waiting)
    max_body = limits.max_file_bytes + _FORM_SLACK

    def _run(data, options):
        photo = uploads.decode(data, limits)
        started = time.perf_counter()
        samples = engine.caricature(
            photo, style=options.style, faces=options.faces, strength=options.strength,
            temperature=options.temperature, samples=options.samples, seed=options.seed,
            morph=options.morph)
        seconds = time.perf_counter() - started
        if options.format == "json":
            answers = []
            for s in samples:
                answers.append({name: render.data_url(getattr(s, name))
                                for name in ("photo", "landmarks", "warped", "caricature")})
                if options.morph:
                    answers[-1]["morph"] = render.webp_data_url(s.morph)
            return {"seconds": round(seconds, 3), "style": options.style or engine.default_style,
                    "samples": answers}
        if options.morph:
            return render.encode_webp(render.morph_grid([s.morph for s in samples])), \
                "image/webp"
        return render.encode_png(render.grid([s.caricature for s in samples])), "image/png"

    async def caricature(request):
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_body:
            return _error(413, f"The request is {int(length) / 2**20:.1f} MB; the photo "
                               f"limit is {limits.max_file_bytes / 2**20:.1f} MB.")
        try:
            form = await request.form(max_files=1, max_fields=16, max_part_size=_FORM_SLACK)
        except _BodyTooLargeError:
            return _error(413, f"The request is larger than the photo limit of "
                               f"{limits.max_file_bytes / 2**20:.1f} MB.")
        except exceptions.HTTPException as e:
            return _error(400, f"Malformed form: {e.detail}")
        try:
            photo = form.get("photo")
            if not isinstance(photo, datastructures.UploadFile):
                raise uploads.RequestError(400, "Send the photo as the file field `photo` "
                                                "of a multipart/form-data request.")
            fields = {k: v for k, v in form.multi_items() if k != "photo"}
            if any(isinstance(v, datastructures.UploadFile) for v in fields.values()):
                raise uploads.RequestError(422, "Only `photo` may be a file.")
            options = uploads.parse_options(fields, engine.styles)
            data = await photo.read(limits.max_file_bytes + 1)
            uploads.check_header(data, limits)
            answer = await _unless_client_leaves(request, queue.run(_run, data, options))
        except _ClientLeftError:
            logging.info("A client left before its answer; its request was dropped.")
            # Nobody reads it; nginx's code for "client closed request".
            return _error(499, "The client closed the connection.")
        except uploads.RequestError as e:
            return _error(e.status, e.message)
        except errors.NoFaceError as e:
            return _error(422, str(e))
        except run_queue.QueueFullError:
            return responses.JSONResponse(
                {"error": "The server is busy with other photos; try again in a minute."},
                status_code=503, headers={"Retry-After": "30"})
        except ValueError as e:
            return _error(422, f"The photo could not be processed: {e}")
        except Exception as e:  # pylint: disable=broad-except
            # A failed run (out of memory, a bug) answers 500 and the server goes on.
            logging.exception("Caricature request failed")
            return _error(500, f"The caricature failed ({type(e).__name__}); the server "
                               f"is still running.")
        finally:
            await form.close()
        if isinstance(answer, dict):
            return responses.JSONResponse(answer)
        body, media_type = answer
        return responses.Response(body, media_type=media_type,
                                  headers={"X-Samples": str(options.samples)})

    async def healthz(request):
        del request
        return responses.JSONResponse({"status": "ok", "jobs": queue.jobs})

    async def info(request):
        del request
        return responses.JSONResponse({
            "styles": [{"spec": s, "group": engine_lib.style_group(s)}
                       for s in engine.styles],
            "default_style": engine.default_style,
            "limits": {"max_file_bytes": limits.max_file_bytes,
                       "max_pixels": limits.max_pixels,
                       "max_samples": uploads.MAX_SAMPLES,
                       "max_strength": uploads.MAX_STRENGTH,
                       "max_temperature": uploads.MAX_TEMPERATURE}})

    sample_png = {}

    async def sample(request):
        del request
        if "png" not in sample_png:
            sample_png["png"] = render.encode_png(engine_lib.sample_photo())
        return responses.Response(sample_png["png"], media_type="image/png")

    async def index(request):
        del request
        return responses.FileResponse(os.path.join(STATIC_DIR, "index.html"))

    async def http_error(request, exc):
        if request.url.path.startswith("/api/") or exc.status_code != 404:
            return responses.JSONResponse({"error": exc.detail}, status_code=exc.status_code,
                                          headers=exc.headers)
        return responses.PlainTextResponse("Not found", status_code=404)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        del app
        yield
        queue.shutdown()

    app = applications.Starlette(
        routes=[
            routing.Route("/", index),
            routing.Route("/healthz", healthz),
            routing.Route("/api/info", info),
            routing.Route("/api/caricature", caricature, methods=["POST"]),
            routing.Route("/sample.png", sample),
            routing.Mount("/static", staticfiles.StaticFiles(directory=STATIC_DIR),
                          name="static"),
        ],
        middleware=[middleware.Middleware(_SecurityHeaders),
                    middleware.Middleware(_BodyLimit, max_bytes=max_body)],
        exception_handlers={exceptions.HTTPException: http_error},
        lifespan=lifespan)
    app.state.queue = queue
    return app
