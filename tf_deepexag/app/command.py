"""`python -m tf_deepexag app [--host 127.0.0.1] [--port 7860]`: the web page."""

import ipaddress
import socket
import sys
import time

from tf_deepexag.cli import _flags

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "app", help="Serve the caricature web page and its HTTP API.",
        description="Starts a local web page: drop a photo, move the sliders, download "
                    "the caricature. The same server answers POST /api/caricature "
                    "(docs/app.md). It listens on this computer only unless --host "
                    "says otherwise, and loads nothing from the internet.")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="Address to listen on. Default: 127.0.0.1 (this computer "
                             "only); 0.0.0.0 lets the whole network in.")
    parser.add_argument("--port", type=_flags.integer(1, 65535), default=DEFAULT_PORT,
                        help=f"TCP port. Default: {DEFAULT_PORT}.")
    parser.add_argument("--geometry", default="vae",
                        help="'vae' (the built-in model), 'vae:<model dir>', 'edfm' or "
                             "'identity'. Default: vae.")
    parser.add_argument("--styles", default=None,
                        help="Comma-separated style specs to offer (e.g. "
                             "'cartoon,sketch,none,ugatit:runs/style'). Default: every "
                             "built-in style that loads.")
    parser.add_argument("--max_upload_mb", type=_flags.number(0.001), default=20.0,
                        help="Largest photo file accepted, in MB. Default: 20.")
    parser.add_argument("--max_megapixels", type=_flags.number(0.001), default=50.0,
                        help="Largest photo accepted, in megapixels. Default: 50.")
    parser.add_argument("--queue", type=_flags.integer(0), default=4,
                        help="Requests that may wait behind the running one; more are "
                             "answered 503. Default: 4.")
    parser.add_argument("--compile", action="store_true",
                        help="Trace the geometry model at start-up: on 2 CPU cores it "
                             "starts 1-2 minutes later and then answers each photo about "
                             "0.1 s sooner. Default: eager.")
    parser.set_defaults(run=run)


def _check_address(host, port):
    """Fails before the models load when the address cannot be listened on."""
    if not 1 <= port <= 65535:
        raise ValueError(f"--port must be from 1 to 65535, got {port}.")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise ValueError(f"--host {host!r} is not an address of this computer ({e}).") from e
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as e:
            raise ValueError(f"Cannot listen on {host}:{port}: {e.strerror}. Is another "
                             f"server running there? Pick another --port.") from e


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def run(args):
    import uvicorn  # pylint: disable=g-import-not-at-top

    from tf_deepexag.app import engine as engine_lib, server, uploads  # pylint: disable=g-import-not-at-top

    # The flags' values were checked while parsing (cli/_flags.py).
    _check_address(args.host, args.port)
    if not _is_loopback(args.host):
        print(f"warning: listening on {args.host}: anyone who can reach this computer "
              f"can use the page.", file=sys.stderr)
    limits = uploads.Limits(max_file_bytes=int(args.max_upload_mb * 1024 * 1024),
                            max_pixels=int(args.max_megapixels * 1e6))
    styles = [s.strip() for s in args.styles.split(",") if s.strip()] if args.styles else None
    start = time.perf_counter()
    print("Loading the models ...", flush=True)
    engine = engine_lib.Engine(geometry=args.geometry, styles=styles,
                               compile_geometry=args.compile)
    if args.compile:
        print("Tracing the geometry model (1-2 minutes on 2 CPU cores) ...", flush=True)
    engine.warm_up()
    app = server.create_app(engine, limits=limits, max_waiting=args.queue)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Ready in {time.perf_counter() - start:.0f} s: open http://{shown}:{args.port}/ "
          f"(styles: {', '.join(engine.styles)}). Ctrl+C stops.", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning",
                server_header=False)
    return 0
