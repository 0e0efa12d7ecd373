"""Compare two builds of the site: ``python -m dlcourse.book.compare SITE_A SITE_B``.

Two clean builds must give byte-identical pages, images and notebooks. The only exceptions:
the files that exist to record the build (:data:`BUILD_RECORDS`), the outputs of code cells
tagged ``timing``, whose numbers are measured run times by nature (the tag is the author's
declaration), the images only those cells show, and the values they glue into the prose
(marked ``dl-timing`` in a page; in a notebook's Markdown cell, their ``[start, end]`` offsets
in ``metadata["dlcourse"]["timing"]``). The first difference is reported with its file and line.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

#: Files that record how the build went: they differ between builds by design.
BUILD_RECORDS = ("build-report.json", "report.html", ".buildinfo", "_sources/report.md.txt")


def _html(text: str) -> str:
    """A page with the outputs of ``timing`` cells and the values they glued blanked.

    >>> _html('<p>took <span class="pasted-text dl-timing">3.1</span> ms</p>')
    '<p>took <span class="pasted-text dl-timing"></span> ms</p>'
    """
    if "tag_timing" not in text and "dl-timing" not in text:
        return text
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for cell in soup.select("div.cell.tag_timing .cell_output, .dl-timing"):
        cell.clear()
    return str(soup)


def _notebook(text: str) -> str:
    """A notebook with the outputs of ``timing`` cells dropped and the values they glued into
    Markdown cells blanked.

    >>> cell = {"cell_type": "markdown", "source": ["took 3.1\\n", "ms"],
    ...         "metadata": {"dlcourse": {"timing": [[5, 8]]}}}
    >>> json.loads(_notebook(json.dumps({"cells": [cell]})))["cells"][0]["source"]
    'took \\nms'
    """
    data = json.loads(text)
    for cell in data.get("cells", []):
        metadata = cell.get("metadata", {})
        if "timing" in metadata.get("tags", []):
            cell["outputs"] = []
        spans = metadata.get("dlcourse", {}).pop("timing", [])
        if spans:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for start, end in sorted(spans, reverse=True):
                source = source[:start] + source[end:]
            cell["source"] = source
    return json.dumps(data, indent=1, sort_keys=True)


def normalised(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".html":
        return _html(data.decode("utf8")).encode("utf8")
    if path.suffix == ".ipynb":
        return _notebook(data.decode("utf8")).encode("utf8")
    return data


def files(site: Path) -> set[str]:
    """The published files of a site (not the build's own records, nor Sphinx's doctrees)."""
    names = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    return {n for n in names if n not in BUILD_RECORDS and not n.startswith(".doctrees/")}


def timed_images(site: Path) -> set[str]:
    """The images that only cells tagged ``timing`` show (a plot of measured times): their
    content, and so their file name, changes with every build."""
    from bs4 import BeautifulSoup

    shown, timed = set(), set()
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf8")
        if "<img" not in text:
            continue
        for img in BeautifulSoup(text, "html.parser").select("img[src]"):
            name = (page.parent / img["src"]).resolve().relative_to(site.resolve()).as_posix()
            in_timing = img.find_parent("div", class_="tag_timing") is not None
            (timed if in_timing else shown).add(name)
    return timed - shown


def first_difference(a: Path, b: Path) -> str | None:
    """A description of the first difference between two sites, or ``None`` if none."""
    ignored = timed_images(a) | timed_images(b)
    only_a, only_b = files(a) - files(b) - ignored, files(b) - files(a) - ignored
    if only_a or only_b:
        return f"files in one build only: {sorted(only_a)[:5]} vs {sorted(only_b)[:5]}"
    for name in sorted(files(a) - ignored):
        left, right = normalised(a / name), normalised(b / name)
        if left == right:
            continue
        try:
            lines_a = left.decode("utf8").splitlines()
            lines_b = right.decode("utf8").splitlines()
        except UnicodeDecodeError:
            return f"{name}: binary files differ"
        for number, (x, y) in enumerate(zip(lines_a, lines_b, strict=False), start=1):
            if x != y:
                # the first differing character; where one line is the other's start, its end
                shared = zip(x, y, strict=False)
                where = next((i for i, (p, q) in enumerate(shared) if p != q), min(len(x), len(y)))
                context = difflib.ndiff(
                    [x[max(0, where - 60) : where + 60]], [y[max(0, where - 60) : where + 60]]
                )
                return f"{name}:{number}: first difference\n" + "\n".join(context)
        return f"{name}: line count differs ({len(lines_a)} vs {len(lines_b)})"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare two builds of the site.")
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    difference = first_difference(args.a, args.b)
    if difference:
        print(difference)
        return 1
    print(f"identical: {len(files(args.a))} files (not compared: {', '.join(BUILD_RECORDS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
