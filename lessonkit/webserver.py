"""The web pages' server (deploy/03 and deploy/04): exactly the files a page needs, on 127.0.0.1 only.

A route table names every file by its URL path: the page's own files in deploy/web, a model from the
lesson's outputs, and onnxruntime-web's dist/ files (installed with `npm ci` from deploy/web's lock file)
under a prefix. The request path is percent-decoded and normalised before any rule looks at it; anything
not in the table is 404, a path no browser sends (a NUL byte, a backslash, bad UTF-8) is 400, and no folder
is ever listed. Not the subject of a lesson: the lessons' subject is the page and the model it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import posixpath
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .cli import non_negative_int
from .errors import LessonError


class PageHandler(SimpleHTTPRequestHandler):
    """Serves server.routes (URL path -> file) and server.prefixes (URL prefix -> (folder, file suffixes));
    everything else is 404."""

    # Browsers refuse a module script served as anything but JavaScript, and compile .wasm while it
    # downloads only when it comes as application/wasm: set both, whatever the OS's MIME table says.
    extensions_map = {".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript",
                      ".wasm": "application/wasm", ".onnx": "application/octet-stream", ".json": "application/json",
                      ".png": "image/png", ".css": "text/css"}

    def route(self) -> str | None:
        """The request's path, percent-decoded and normalised ('/./a', '/a/../b', '//a' -> one form) before any
        rule looks at it; None for a path no browser sends (a NUL byte, a backslash, bad UTF-8)."""
        try:
            route = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path, errors="strict")
        except (UnicodeDecodeError, ValueError):
            return None
        if not route.startswith("/") or "\x00" in route or "\\" in route:
            return None
        return "/" + posixpath.normpath(route).lstrip("/")  # normpath keeps a leading '//' (POSIX allows it)

    def translate_path(self, path: str) -> str:
        """The one file a route names, or a path that does not exist (-> 404): no rule on the raw path."""
        route = self.route() or ""
        if route in self.server.routes:
            return str(self.server.routes[route])
        for prefix, (folder, suffixes) in self.server.prefixes.items():
            name = route.removeprefix(prefix)
            if route.startswith(prefix) and name and "/" not in name and name.endswith(suffixes):
                return str(Path(folder) / name)
        return str(Path(self.directory) / "no such file")

    def send_head(self):
        if self.route() is None:
            self.send_error(HTTPStatus.BAD_REQUEST, "bad path")
            return None
        return super().send_head()

    def list_directory(self, path):  # never reached (translate_path names files only); a listing would leak
        self.send_error(HTTPStatus.NOT_FOUND, "not found")
        return None

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")  # an edited page shows on reload
        super().end_headers()

    def log_message(self, format, *args):  # quiet: one line per request would bury the address
        pass


class PageServer(ThreadingHTTPServer):
    allow_reuse_address = sys.platform != "win32"  # on Windows it would let two servers share a port
    allow_reuse_port = False                       # a taken port must be an error, not shared
    routes: dict[str, Path] = {}
    prefixes: dict[str, tuple[Path, tuple[str, ...]]] = {}

    def handle_error(self, request, client_address):
        """A browser that closes the connection mid-file (a reload, a cancelled download) is normal: no
        traceback for that on the console. Anything else is still reported."""
        if isinstance(sys.exc_info()[1], ConnectionError):  # BrokenPipeError, ConnectionResetError, ...
            return
        super().handle_error(request, client_address)


def bind_page_server(port: int, folder: Path, routes: dict[str, Path],
                     prefixes: dict[str, tuple[Path, tuple[str, ...]]] | None = None) -> PageServer:
    """Take the port on 127.0.0.1 (this machine only; 0 = any free port). Serving starts later."""
    try:
        server = PageServer(("127.0.0.1", port), partial(PageHandler, directory=str(folder)))
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise LessonError(f"port {port} on 127.0.0.1 is taken (is the demo already running?): stop that "
                              f"server or choose another port, e.g. --port {port + 1}") from None
        raise LessonError(f"cannot serve on 127.0.0.1:{port}: {err.strerror or err}") from None
    server.routes, server.prefixes = dict(routes), dict(prefixes or {})
    return server


def port_number(text: str) -> int:
    """argparse type for --port: 0..65535 (0 = any free port)."""
    port = non_negative_int(text)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0..65535, got {port}")
    return port


def serve_until_stopped(message: str, seconds: float | None = None) -> float:
    """Print `message` (the address), then wait while the server thread serves: until Ctrl-C or a kill, or for
    `seconds`. Returns the seconds served. A Ctrl-C from then on is a server's normal end, not an error."""
    start = time.perf_counter()
    try:
        print(message, flush=True)
        while seconds is None or time.perf_counter() - start < seconds:
            time.sleep(0.2)
    except KeyboardInterrupt:  # Ctrl-C where lessonkit's handler is not installed (a notebook)
        pass
    except SystemExit as stop:  # lessonkit's Ctrl-C/kill handler: for a server, the normal end
        if isinstance(stop, LessonError) or stop.code not in (130, 143):
            raise
    return time.perf_counter() - start


def check_served(base: str, wanted: dict[str, str], same_bytes: dict[str, Path] | None = None) -> list[dict]:
    """Fetch what the page loads, as a browser would, and check each answer's MIME type (and, for the routes
    in same_bytes, that the bytes are those of the file)."""
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # localhost, never a proxy
    served = []
    for route, mime in wanted.items():
        with no_proxy.open(base + route, timeout=10) as answer:
            body = answer.read()
            got = answer.headers.get_content_type()
        if got != mime:
            raise LessonError(f"{route} was served as {got}, expected {mime}")
        if route in (same_bytes or {}) and body != same_bytes[route].read_bytes():
            raise LessonError(f"{route} is not the bytes of {same_bytes[route]}")
        served.append({"route": route, "type": got, "bytes": len(body)})
        print(f"  {route:36s} {got:26s} {len(body):>11,} bytes")
    return served


# --- onnxruntime-web, installed exactly as deploy/web/package-lock.json pins it -------------------------

def pinned_package_version(web: Path, package: str = "onnxruntime-web") -> str:
    lock = json.loads((web / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"][f"node_modules/{package}"]["version"]


def installed_package_version(web: Path, package: str = "onnxruntime-web") -> str | None:
    manifest = web / "node_modules" / package / "package.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["version"] if manifest.is_file() else None


@contextlib.contextmanager
def _install_lock(path: Path):
    """An exclusive lock on `path` across processes (fcntl; where there is none, as on Windows, no lock)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def npm_ci(web: Path) -> None:
    """Install exactly what package-lock.json pins. --ignore-scripts: the page needs no package's install
    script, and not running third-party code at install time is the safer habit."""
    npm = shutil.which("npm")
    if npm is None:
        raise LessonError("Node.js/npm not found: the page needs onnxruntime-web from the npm registry. Install "
                          "Node.js (it includes npm: https://nodejs.org, or `sudo apt-get install npm`) and run "
                          "this again; --quick checks the server without it.")
    # Two pages started at once (or two test workers) must not run npm ci into one node_modules together: one
    # waits for the other's install under a lock, then finds the pinned version there and installs nothing.
    with _install_lock(web / ".npm-ci.lock"):
        version = pinned_package_version(web)
        if installed_package_version(web) == version:
            return
        print(f"installing onnxruntime-web {version} into {web / 'node_modules'} (npm ci, once) ...")
        result = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=web,
                                capture_output=True, text=True)
    if result.returncode != 0:
        last = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
        raise LessonError(f"`npm ci` in {web} failed (exit {result.returncode}): {last}")
