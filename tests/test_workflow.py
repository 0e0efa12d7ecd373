"""The publishing workflow: valid YAML that builds, tests and publishes what Colab opens."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sitebuild import conf_value

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def steps(workflow: dict) -> list[dict]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


def step(steps: list[dict], text: str) -> dict:
    """The one step whose `run` or `uses` contains ``text``."""
    found = [s for s in steps if text in s.get("run", "") or text in s.get("uses", "")]
    assert len(found) == 1, f"expected one step with {text!r} in publish.yml, found {len(found)}"
    return found[0]


def test_it_runs_on_pushes_to_main_and_on_pull_requests(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert "pull_request" in triggers


def test_it_installs_python_311_nox_uv_and_cpu_torch(workflow, steps):
    assert step(steps, "actions/setup-python")["with"]["python-version"] == "3.11"
    install = step(steps, "pip install nox")["run"]
    assert "uv" in install.split()
    assert workflow["env"]["UV_EXTRA_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    lock = (ROOT / "requirements" / "build.txt").read_text(encoding="utf-8")
    assert "torch==" in lock and "+cpu" in lock  # why the CPU index is needed


def test_it_builds_then_tests_with_chromium_and_a_cached_execution(steps):
    names = [s.get("run", "") + s.get("uses", "") for s in steps]
    build = next(i for i, n in enumerate(names) if "nox -s docs" in n)
    tests = next(i for i, n in enumerate(names) if "nox -s tests" in n)
    assert build < tests
    assert "chromium" in step(steps, "npm ci --prefix tests/browser")["run"]
    cache = step(steps, "actions/cache")
    assert cache["with"]["path"] == "docs/_build/.jupyter_cache"
    assert next(i for i, n in enumerate(names) if "actions/cache" in n) < build


def test_it_publishes_the_site_with_its_notebooks_where_colab_opens_them(workflow, steps):
    publish = step(steps, "actions-gh-pages")
    assert publish["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert publish["with"]["publish_dir"] == "docs/_build/html"  # notebooks/ is inside it
    assert publish["with"]["publish_branch"] == conf_value("dlcourse_branch")
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["contents"] == "write"
