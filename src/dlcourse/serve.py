"""Serve a model over HTTP, JSON in and JSON out, on this machine only: the standard library's
``http.server`` in a thread, with input checked before the model sees it.

Module 25, *Exporting and Deploying Models*
(https://dlcourse.github.io/dlcourse/modules/exporting-and-deploying-models.html), starts an
:class:`InferenceServer` around an exported model and sends it requests with
:func:`request_json`. It is a sketch of what a real service does (validate, predict, answer
with a clear error), not a production server: no authentication, TLS or request queueing.

The protocol: ``POST /predict`` with the body ``{"inputs": [[x, x, ...], ...]}`` (a list of
rows of ``n_features`` numbers) answers ``200 {"predictions": [...]}``, one prediction per row;
input it cannot use answers ``400 {"error": "..."}`` saying what is wrong and how to fix it;
``GET /health`` answers ``200 {"status": "ok", "n_features": ...}``.
"""

from __future__ import annotations

import json
import math
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["InferenceServer", "request_json"]

_EXAMPLE = '{"inputs": [[0.0, 0.5, ...], ...]}'


class _BadRequest(ValueError):
    """Input the server cannot use; the message is sent back with status 400 (or ``status``)."""

    def __init__(self, message: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(message)
        self.status = status


def _no_constants(name: str) -> float:
    raise _BadRequest(f"{name} is not a number a model can use: send finite numbers only")


def _parse_rows(body: bytes, n_features: int, max_rows: int) -> list[list[float]]:
    """The rows of a ``/predict`` request body, or :class:`_BadRequest` saying what is wrong."""
    try:
        data = json.loads(body, parse_constant=_no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _BadRequest(f"the body is not valid JSON ({error}); send {_EXAMPLE}") from None
    if not isinstance(data, dict) or "inputs" not in data:
        raise _BadRequest(f'the body must be a JSON object with the key "inputs": {_EXAMPLE}')
    rows = data["inputs"]
    if not isinstance(rows, list) or not rows:
        raise _BadRequest('"inputs" must be a non-empty list of rows')
    if not isinstance(rows[0], list):
        raise _BadRequest(
            '"inputs" must be a list of rows, each a list of numbers; '
            "for one example send [[...]], a list holding one row"
        )
    if len(rows) > max_rows:
        raise _BadRequest(
            f"{len(rows)} rows in one request; this server takes at most {max_rows}: split it",
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        )
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != n_features:
            size = f"has {len(row)} numbers" if isinstance(row, list) else "is not a list"
            raise _BadRequest(f"row {i} {size}; the model expects {n_features} numbers per row")
        for j, value in enumerate(row):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _BadRequest(f"row {i}, item {j} is {json.dumps(value)}, not a number")
            if not math.isfinite(value):
                raise _BadRequest(f"row {i}, item {j} is not finite")
    return rows


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    timeout = 30  # seconds a client may take to send its request before its thread gives up

    def do_GET(self) -> None:  # noqa: N802 (the name http.server looks for)
        if self.path == "/health":
            self._answer(HTTPStatus.OK, {"status": "ok", "n_features": self.server.n_features})
        else:
            self._not_found()

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/predict":
            self._not_found()
            return
        try:
            rows = _parse_rows(self._body(), self.server.n_features, self.server.max_rows)
        except _BadRequest as error:
            self._answer(error.status, {"error": str(error)})
            return
        try:
            predictions = list(self.server.predict(rows))
        except Exception as error:  # the model failed: say so, keep serving
            message = f"the model failed: {type(error).__name__}: {error}"
            self._answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": message})
            return
        if len(predictions) != len(rows):
            message = f"the model returned {len(predictions)} predictions for {len(rows)} rows"
            self._answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": message})
            return
        try:
            self._answer(HTTPStatus.OK, {"predictions": predictions})
        except (TypeError, ValueError) as error:  # a NumPy number, a tensor, NaN: nothing sent
            message = (
                f"the model returned predictions JSON cannot carry ({error}): return Python "
                "numbers, strings or lists of them (tensor.tolist()), all finite"
            )
            self._answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": message})

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None or not (length.isascii() and length.isdigit()):
            raise _BadRequest("send a Content-Length header", HTTPStatus.LENGTH_REQUIRED)
        if len(length) > 18 or int(length) > self.server.max_bytes:
            raise _BadRequest(
                f"the body has {length} bytes; this server takes at most {self.server.max_bytes}",
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            )
        return self.rfile.read(int(length))

    def _not_found(self) -> None:
        message = f"no such endpoint: {self.command} {self.path}; POST JSON to /predict"
        self._answer(HTTPStatus.NOT_FOUND, {"error": message})

    def _answer(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        """Send ``payload`` as JSON; raises TypeError or ValueError (not JSON, or not finite)
        before anything is logged or sent."""
        body = json.dumps(payload, allow_nan=False).encode()
        # logged before the answer goes out: a client that waits for each answer before its
        # next request finds the log in the order it sent them (logged after, a next request
        # on another thread could be logged first)
        with self.server.lock:
            self.server.log.append(f"{self.command} {self.path} -> {int(status)}")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the default writes the client's port and the time to stderr."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the default 5 drops a burst of connections for a second

    def __init__(self, address: tuple[str, int], service: InferenceServer) -> None:
        super().__init__(address, _Handler)
        self.predict = service.predict
        self.n_features = service.n_features
        self.max_rows = service.max_rows
        self.max_bytes = service.max_bytes
        self.log = service.log
        self.lock = threading.Lock()


class InferenceServer:
    """A model behind JSON over HTTP on ``host`` (this machine only, by default), in a thread.

    ``predict`` takes a list of rows (each a list of ``n_features`` floats) and returns one
    JSON-serializable prediction per row; the server checks every request before calling it
    and answers bad input with status 400 and ``{"error": ...}`` (see the module's docstring
    for the protocol). ``port=0`` lets the operating system choose a free port: read it from
    :attr:`url` after :meth:`start`. Use it as a context manager, or call :meth:`start` and
    :meth:`stop`. ``log`` lists each request the server answered, or began to answer, with
    its status (``"POST /predict -> 200"``), in the order of the answers; the standard
    library's own refusals (a method other than GET and POST, a malformed request line) are
    not listed, and the usual log line, with the client's port and the time, is not written.
    Introduced in
    *Exporting and Deploying Models* (Module 25,
    https://dlcourse.github.io/dlcourse/modules/exporting-and-deploying-models.html).

    >>> def total(rows):
    ...     return [sum(row) for row in rows]
    >>> with InferenceServer(total, n_features=2) as server:
    ...     print(request_json(server.url + "/predict", {"inputs": [[1, 2], [3, 4.5]]}))
    ...     print(request_json(server.url + "/predict", {"inputs": [[1, 2, 3]]}))
    (200, {'predictions': [3, 7.5]})
    (400, {'error': 'row 0 has 3 numbers; the model expects 2 numbers per row'})
    >>> server.log
    ['POST /predict -> 200', 'POST /predict -> 400']
    """

    def __init__(
        self,
        predict: Callable[[list[list[float]]], Sequence[Any]],
        n_features: int,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_rows: int = 1024,
        max_bytes: int = 10_000_000,
    ) -> None:
        if n_features < 1 or max_rows < 1:
            raise ValueError(f"n_features and max_rows must be at least 1: {n_features, max_rows}")
        self.predict = predict
        self.n_features = n_features
        self.host, self.port = host, port
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self.log: list[str] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the server is started and not yet stopped."""
        return self._httpd is not None

    @property
    def url(self) -> str:
        """``http://host:port`` of the running server (the port the system chose)."""
        if self._httpd is None:
            raise RuntimeError("the server is not running: call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> InferenceServer:
        """Bind the port and answer requests in a background thread; returns the server."""
        if self._httpd is not None:
            raise RuntimeError(f"the server is already running at {self.url}")
        self._httpd = _HTTPServer((self.host, self.port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="dlcourse-inference-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering, close the port and wait for the serving thread to end (no-op if
        stopped). A request already being answered finishes on its own thread, unwaited."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> InferenceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


#: an opener that ignores proxy settings: a request to 127.0.0.1 must never leave the machine
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request_json(url: str, body: Any = None, timeout: float = 30.0) -> tuple[int, Any]:
    """Send ``body`` to ``url`` and return ``(status, decoded JSON answer)``.

    ``body=None`` sends a GET; ``bytes`` are sent as they are (to try malformed input);
    anything else is sent as JSON in a POST. An error status (4xx, 5xx) is returned like any
    other, with its JSON body, not raised. Proxy settings are ignored. Introduced in
    *Exporting and Deploying Models* (Module 25,
    https://dlcourse.github.io/dlcourse/modules/exporting-and-deploying-models.html).

    >>> with InferenceServer(lambda rows: [0] * len(rows), n_features=1) as server:
    ...     print(request_json(server.url + "/health"))
    ...     status, answer = request_json(server.url + "/predict", b"inputs: 1, 2")
    ...     print(status, answer["error"])
    (200, {'status': 'ok', 'n_features': 1})
    400 the body is not valid JSON (Expecting value: line 1 column 1 (char 0)); send {"inputs": [[0.0, 0.5, ...], ...]}
    """  # noqa: E501
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with _DIRECT.open(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())
