"""The package as it is published: the sdist and the wheel hold the package, its quiz data, its
licence and the learner's description, and nothing of the tests."""

from __future__ import annotations

import email
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from dlcourse import __version__

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    uv = shutil.which("uv")
    assert uv, "uv is needed to build the package (pip install uv)"
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([uv, "build", "--out-dir", str(out), str(ROOT)], check=True, capture_output=True)
    return out


def test_the_sdist_holds_the_package_and_no_test_data(dist: Path):
    (sdist,) = dist.glob("dlcourse-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    assert not [n for n in names if n.startswith("tests") or "fixtures" in n], names
    quizzes = {p.name for p in (ROOT / "quizzes").glob("*.yaml")}
    assert {n.split("/", 1)[1] for n in names if n.startswith("quizzes/")} == quizzes
    assert {"LICENSE", "PACKAGE.md", "pyproject.toml", "src/dlcourse/__init__.py"} <= set(names)
    assert "README.md" not in names  # the authors' guide stays in the repository


def test_the_wheel_has_the_licence_the_quizzes_and_the_learners_description(dist: Path):
    (wheel,) = dist.glob("dlcourse-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"dlcourse-{__version__}.dist-info"
        metadata = email.message_from_string(archive.read(f"{info}/METADATA").decode())
    assert f"{info}/licenses/LICENSE" in names
    assert {f"dlcourse/_quizzes/{p.name}" for p in (ROOT / "quizzes").glob("*.yaml")} <= names
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_payload().strip() == (ROOT / "PACKAGE.md").read_text().strip()
    assert "nox" not in metadata.get_payload()  # not the authors' README
