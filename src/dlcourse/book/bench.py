"""Benchmark the build: ``python -m dlcourse.book.bench`` (``nox -s bench``).

Works on a copy of the course in a scratch directory, so the scenarios may edit pages and the
``dlcourse`` sources freely. Scenarios: the fixed cost of one notebook (kernel start, imports and
``setup()``) with warm kernels as the build uses them and with plain ones, a cold serial build,
ten cold parallel builds in a row (each from an empty cache; the median against the ideal: the
pages' execution time divided by the cores, plus Sphinx's own time), a rebuild with no change, a
prose-only edit, a code edit in one module, and an edit of one ``dlcourse`` submodule. For each
build it records the wall time and which pages executed. Results go to ``bench/results.json``
and are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlcourse.book.report import cpu_name, machine

ROOT = Path(__file__).resolve().parents[3]


def sphinx_command(source: Path, out: Path, *extra: str, jobs: str = "1") -> list[str]:
    """The sphinx-build command line an author runs (warnings as errors, build state beside
    the site): the one the bench, the tests and ``nox -s docs`` build with."""
    return [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-j",
        jobs,
        "-W",
        "--keep-going",
        "-d",
        str(out.parent / "doctrees"),  # build state stays outside the published site
        *extra,
        str(source),
        str(out),
    ]


def fixed_cost(runs: int = 5, warm: bool = True) -> tuple[list[float], float]:
    """Seconds from starting a kernel to having run the book's imports and ``setup()``, per
    run, and the seconds the warm-kernel server took to start (once per build; 0 if not warm)."""
    import nbformat
    from nbclient import NotebookClient

    from dlcourse.book.execute import WARM_IMPORTS
    from dlcourse.book.warm import WarmServer

    notebook = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        }
    )
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from dlcourse.notebook import setup\nsetup()\nimport torch\nfrom torch import nn"
        )
    ]
    times = []
    with WarmServer(WARM_IMPORTS) if warm else contextlib.nullcontext() as server:
        extra = {"kernel_manager_class": server.manager_class} if warm else {}
        for _ in range(runs):
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as cwd:
                NotebookClient(notebook, resources={"metadata": {"path": cwd}}, **extra).execute()
            times.append(time.perf_counter() - start)
    return times, server.ready_seconds if warm else 0.0


class Scratch:
    """A copy of the course whose builds import its own copy of ``dlcourse``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        ignore = shutil.ignore_patterns("_build", "__pycache__", "node_modules")
        for name in ("docs", "src", "quizzes", "requirements"):
            shutil.copytree(ROOT / name, root / name, ignore=ignore)
        shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
        self.docs = root / "docs"
        self.html = self.docs / "_build" / "html"

    def clean(self) -> None:
        shutil.rmtree(self.docs / "_build", ignore_errors=True)

    def build(self, jobs: str) -> dict:
        env = {**os.environ, "PYTHONPATH": str(self.root / "src")}
        start = time.perf_counter()
        done = subprocess.run(
            sphinx_command(self.docs, self.html, "-q", jobs=jobs),
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"build failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        report = json.loads((self.html / "build-report.json").read_text())
        executed = sorted(p["docname"] for p in report["pages"] if p["ran"] == "this build")
        return {"seconds": round(seconds, 2), "executed": executed, "pages": report["pages"]}

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        if old not in text:
            raise SystemExit(f"bench: {relative} no longer contains {old!r}: update bench.py")
        path.write_text(text.replace(old, new, 1))


def run(jobs: int, cold_runs: int = 10) -> dict:
    results: dict = {
        **machine(),
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "jobs": jobs,
        "load_before": os.getloadavg(),
    }
    costs, server_start = fixed_cost(warm=True)
    results["fixed_cost_seconds"] = {
        "median": round(statistics.median(costs), 2),
        "runs": [round(c, 2) for c in costs],
        "warm_server_start_once_per_build": round(server_start, 2),
    }
    plain, _ = fixed_cost(warm=False)
    results["fixed_cost_plain_kernel_seconds"] = {
        "median": round(statistics.median(plain), 2),
        "runs": [round(c, 2) for c in plain],
    }
    with tempfile.TemporaryDirectory() as tmp:
        course = Scratch(Path(tmp))
        serial = course.build("1")
        execution = sum(p["seconds"] for p in serial["pages"])
        sphinx_own = serial["seconds"] - execution
        results["cold_serial"] = {
            "seconds": serial["seconds"],
            "execution_seconds": round(execution, 2),
            "sphinx_seconds": round(sphinx_own, 2),
            "pages": {p["docname"]: p["seconds"] for p in serial["pages"]},
        }
        ideal = execution / jobs + sphinx_own
        cold = []
        for _ in range(cold_runs):  # each from an empty cache: none may fail on the database
            course.clean()
            cold.append(course.build(str(jobs))["seconds"])
        median = statistics.median(cold)
        results["cold_parallel"] = {
            "seconds": median,
            "runs": cold,
            "all_succeeded": True,  # a failed build stops the benchmark with its log
            "ideal_seconds": round(ideal, 2),
            "ratio_to_ideal": round(median / ideal, 3),
        }
        scenarios = {
            "no_change": None,
            "prose_edit": (
                "docs/modules/introduction-to-deep-learning.md",
                "Deep learning is the part",
                "Deep learning is the branch",
            ),
            "code_edit": (
                "docs/modules/introduction-to-deep-learning.md",
                "x = torch.tensor([1.0, -2.0, 0.5])",
                "x = torch.tensor([1.0, -2.0, 0.6])",
            ),
            "dlcourse_submodule_edit": (
                "src/dlcourse/train.py",
                '"""Training: one engine',
                '"""Training (edited): one engine',
            ),
        }
        for name, change in scenarios.items():
            if change:
                course.edit(*change)
            outcome = course.build(str(jobs))
            results[name] = {"seconds": outcome["seconds"], "executed": outcome["executed"]}
    results["load_after"] = os.getloadavg()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the course build.")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--cold-runs", type=int, default=10, help="cold parallel builds in a row (median reported)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    results = run(args.jobs, args.cold_runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "cold_serial"}, indent=1))
    print(
        "cold serial:",
        json.dumps({k: v for k, v in results["cold_serial"].items() if k != "pages"}),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
