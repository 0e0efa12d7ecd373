"""Tests of dlcourse.serve: the InferenceServer answers real HTTP requests on 127.0.0.1, rejects
bad input with a clear 400 before the model sees it, keeps serving after a failure, and stops;
request_json talks to it directly."""

from __future__ import annotations

import http.client
import threading
import urllib.error
from concurrent.futures import ThreadPoolExecutor

import pytest

from dlcourse.serve import InferenceServer, request_json


class Recorder:
    """A model that sums each row and remembers what it was given."""

    def __init__(self) -> None:
        self.calls: list[list[list[float]]] = []

    def __call__(self, rows: list[list[float]]) -> list[float]:
        self.calls.append(rows)
        return [sum(row) for row in rows]


@pytest.fixture
def served():
    model = Recorder()
    with InferenceServer(model, n_features=3) as server:
        yield server, model


def test_a_valid_request_and_a_batch_get_one_prediction_per_row(served) -> None:
    server, model = served
    assert request_json(server.url + "/predict", {"inputs": [[1, 2, 3]]}) == (
        200,
        {"predictions": [6]},
    )
    batch = [[1, 0, 0], [0.5, 0.25, 0.25], [-1, -2, 3.5]]
    assert request_json(server.url + "/predict", {"inputs": batch}) == (
        200,
        {"predictions": [1, 1.0, 0.5]},
    )
    assert model.calls == [[[1, 2, 3]], batch]
    assert server.log == ["POST /predict -> 200", "POST /predict -> 200"]


def test_the_log_is_in_the_order_of_requests_sent_one_after_another(served) -> None:
    """A page prints the log: its order must not depend on which thread appends first (it did
    when each answer was logged after it was sent: a rare 400-before-200 in CI)."""
    server, _ = served
    expected = []
    for i in range(1000):
        good = i % 2 == 0
        status, _ = request_json(server.url + "/predict", {"inputs": [[1, 2, 3] if good else [1]]})
        expected.append(f"POST /predict -> {status}")
        assert status == (200 if good else 400)
    assert server.log == expected


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{inputs: [[1, 2, 3]]}", 400, "not valid JSON"),
        (b"\xff\xfe", 400, "not valid JSON"),
        ({"rows": [[1, 2, 3]]}, 400, 'key "inputs"'),
        ([[1, 2, 3]], 400, 'key "inputs"'),
        ({"inputs": []}, 400, "non-empty list"),
        ({"inputs": [1, 2, 3]}, 400, "for one example send [[...]]"),
        ({"inputs": [[1, 2, 3], [1, 2]]}, 400, "row 1 has 2 numbers; the model expects 3"),
        ({"inputs": [[1, 2, 3], 4]}, 400, "row 1 is not a list"),
        ({"inputs": [[1, "2", 3]]}, 400, 'row 0, item 1 is "2", not a number'),
        ({"inputs": [[1, True, 3]]}, 400, "row 0, item 1 is true, not a number"),
        ({"inputs": [[1, None, 3]]}, 400, "row 0, item 1 is null"),
        (b'{"inputs": [[1, NaN, 3]]}', 400, "NaN is not a number a model can use"),
        (b'{"inputs": [[1, 1e999, 3]]}', 400, "row 0, item 1 is not finite"),
        ({"inputs": [[1, 2, 3]] * 5}, 413, "at most 4"),
    ],
)
def test_bad_input_gets_a_clear_error_and_never_reaches_the_model(body, status, words) -> None:
    model = Recorder()
    with InferenceServer(model, n_features=3, max_rows=4) as server:
        got, answer = request_json(server.url + "/predict", body)
        assert got == status, answer
        assert list(answer) == ["error"] and words in answer["error"], answer
        assert model.calls == []
        # and the server still answers good requests afterwards
        assert request_json(server.url + "/predict", {"inputs": [[1, 1, 1]]})[0] == 200


def test_a_body_over_the_size_limit_is_refused_unread() -> None:
    with InferenceServer(Recorder(), n_features=1, max_bytes=100) as server:
        status, answer = request_json(server.url + "/predict", {"inputs": [[1.5]] * 50})
    assert status == 413 and "at most 100" in answer["error"]


def test_health_and_unknown_paths(served) -> None:
    server, _ = served
    assert request_json(server.url + "/health") == (200, {"status": "ok", "n_features": 3})
    status, answer = request_json(server.url + "/predict")  # a GET where a POST belongs
    assert status == 404 and "POST JSON to /predict" in answer["error"]
    assert request_json(server.url + "/other", {"inputs": [[1, 2, 3]]})[0] == 404


def test_a_failing_model_gets_a_500_and_the_server_keeps_serving() -> None:
    def fragile(rows):
        if rows[0][0] < 0:
            raise RuntimeError("negative pixels")
        return ["ok"] * len(rows)

    with InferenceServer(fragile, n_features=1) as server:
        status, answer = request_json(server.url + "/predict", {"inputs": [[-1]]})
        assert status == 500
        assert answer == {"error": "the model failed: RuntimeError: negative pixels"}
        assert request_json(server.url + "/predict", {"inputs": [[1]]}) == (
            200,
            {"predictions": ["ok"]},
        )


def test_a_model_that_returns_the_wrong_number_of_predictions_is_caught() -> None:
    with InferenceServer(lambda rows: [0], n_features=1) as server:
        status, answer = request_json(server.url + "/predict", {"inputs": [[1], [2]]})
    assert status == 500 and "1 predictions for 2 rows" in answer["error"]


@pytest.mark.parametrize("prediction", [float("nan"), object(), {1, 2}])
def test_predictions_json_cannot_carry_get_a_500_saying_what_to_return(prediction) -> None:
    with InferenceServer(lambda rows: [prediction], n_features=1) as server:
        status, answer = request_json(server.url + "/predict", {"inputs": [[1]]})
        assert status == 500 and "tensor.tolist()" in answer["error"], answer
        assert server.log == ["POST /predict -> 500"]


@pytest.mark.parametrize("length", ["\u00b2", "9" * 5000])
def test_a_content_length_int_cannot_read_gets_an_answer(length) -> None:
    """A digit that is not 0-9 (Latin-1 ²), or more digits than int() takes: 411 or 413."""
    with InferenceServer(Recorder(), n_features=1) as server:
        connection = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=10)
        connection.putrequest("POST", "/predict")
        connection.putheader("Content-Length", length.encode("latin-1"))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status in (411, 413), response.read()
        connection.close()


def test_the_system_chooses_a_free_port_on_127_0_0_1() -> None:
    with InferenceServer(Recorder(), n_features=1) as a, InferenceServer(Recorder(), 1) as b:
        assert a.url.startswith("http://127.0.0.1:") and b.url.startswith("http://127.0.0.1:")
        assert a.url != b.url
        assert int(a.url.rsplit(":", 1)[1]) > 0


def test_stop_closes_the_port_and_ends_the_thread() -> None:
    server = InferenceServer(Recorder(), n_features=1)
    assert not server.running
    with pytest.raises(RuntimeError, match="call start"):
        server.url  # noqa: B018
    server.start()
    url = server.url
    with pytest.raises(RuntimeError, match="already running"):
        server.start()
    assert any(t.name == "dlcourse-inference-server" for t in threading.enumerate())
    server.stop()
    server.stop()  # a second stop does nothing
    assert not server.running
    assert not any(t.name == "dlcourse-inference-server" for t in threading.enumerate())
    with pytest.raises(urllib.error.URLError):
        request_json(url + "/health", timeout=5)


def test_concurrent_requests_each_get_their_own_answer(served) -> None:
    server, _ = served
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(
                lambda i: request_json(server.url + "/predict", {"inputs": [[i, i, i]]}),
                range(32),
            )
        )
    assert answers == [(200, {"predictions": [3 * i]}) for i in range(32)]
    assert len(server.log) == 32


def test_requests_write_nothing_to_stderr_and_ignore_proxies(monkeypatch, capfd) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # a proxy that is not there
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    with InferenceServer(Recorder(), n_features=1) as server:
        assert request_json(server.url + "/predict", {"inputs": [[2]]})[0] == 200
        assert request_json(server.url + "/predict", b"[")[0] == 400
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InferenceServer(Recorder(), n_features=0)
