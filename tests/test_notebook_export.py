"""The exported notebooks: book-only syntax becomes Markdown that Colab renders."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest

from dlcourse.book.notebooks import GLUE_RECORD, plain_markdown
from dlcourse.quiz import load_quiz

SITE = "https://example.org/course/"


def executed_with(name: str, value: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("glue(...)")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"text/plain": value},
            metadata={"scrapbook": {"name": name, "mime_prefix": ""}},
        )
    ]
    notebook.cells = [cell]
    return notebook


def test_module_links_become_links_to_the_published_site():
    text = plain_markdown(
        "See {module}`loss-functions` and {module}`this <embeddings>`.",
        executed_with("x", "1"),
        None,
        SITE,
    )
    assert text == (
        f"See [Loss Functions]({SITE}modules/loss-functions.html) and "
        f"[this]({SITE}modules/embeddings.html)."
    )


def test_glued_numbers_become_their_values():
    text = plain_markdown(
        "Loss {glue:text}`loss:.3f`, raw {glue:text}`loss`.",
        executed_with("loss", "0.123456"),
        None,
        SITE,
    )
    assert text == "Loss 0.123, raw 0.123456."


def test_tips_become_quotes_and_questions_keep_their_prompt():
    quiz = load_quiz("introduction-to-deep-learning")
    source = (
        ":::{tip}\nNormalize inputs.\nAlways.\n:::\n\n```{quiz-question} activation-purpose\n```\n"
    )
    text = plain_markdown(source, executed_with("x", "1"), quiz, SITE)
    assert "> **Tip:** Normalize inputs.\n> Always." in text
    prompt = quiz.question("activation-purpose").prompt
    assert f"> **Check yourself:** {prompt}" in text
    call = 'dlcourse.quiz.ask("introduction-to-deep-learning", "activation-purpose")'
    assert f"`import dlcourse; {call}`" in text
    assert "{quiz-question}" not in text


# --- the real exported notebooks of the built course ---------------------------------------------


def _exported(site: Path) -> dict[str, nbformat.NotebookNode]:
    paths = sorted((site / "notebooks").glob("*.ipynb"))
    assert paths, f"no notebooks exported to {site / 'notebooks'}"
    return {path.stem: nbformat.read(path, as_version=4) for path in paths}


def _markdown(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


def _pasted(site: Path, slug: str) -> list[str]:
    """The glued values the site's page shows, in page order."""
    page = (site / "modules" / f"{slug}.html").read_text(encoding="utf-8")
    return [html.unescape(v) for v in re.findall(r'<span class="pasted-text">([^<]*)</span>', page)]


@pytest.mark.build
def test_every_glued_value_is_its_text_and_no_glue_record_is_left(built_site: Path):
    restored = {}
    for slug, notebook in _exported(built_site).items():
        text = "\n".join(_markdown(notebook))
        assert "(see the site)" not in text, slug
        assert "{glue" not in text, slug
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                records = [m for m in output.get("data", {}) if m.startswith(GLUE_RECORD)]
                assert not records, f"{slug}: a glue record Jupyter cannot render: {output}"
        # the values the page shows, in the same order in the notebook's Markdown
        at = 0
        for value in _pasted(built_site, slug):
            found = text.find(value, at)
            assert found >= 0, f"{slug}: the glued value {value!r} is not in its Markdown"
            at = found + len(value)
        restored[slug] = len(_pasted(built_site, slug))
    print("glued values per notebook:", restored)
    assert sum(restored.values()) > 100
    # one known number: module 11 quotes the MSE of predicting the centre (22.0 on the page)
    losses = "\n".join(_markdown(_exported(built_site)["loss-functions"]))
    assert "22.0" in _pasted(built_site, "loss-functions")
    assert re.search(r"\b22\.0\b", losses)


def _blockquotes(source: str):
    """Top-level blockquotes of a Markdown cell as a CommonMark parser sees them:
    (the source lines they span, their tokens)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(source)
    lines = source.splitlines()
    quotes, depth, start = [], 0, 0
    for i, token in enumerate(tokens):
        if token.type == "blockquote_open":
            if depth == 0:
                start = i
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
            if depth == 0:
                begin, end = tokens[start].map
                quotes.append((lines[begin:end], tokens[start : i + 1]))
    return quotes


@pytest.mark.build
def test_quiz_and_tip_blocks_end_where_they_should_in_a_commonmark_parser(built_site: Path):
    kinds = {"Check yourself": 0, "Tip": 0}
    for slug, notebook in _exported(built_site).items():
        for source in _markdown(notebook):
            wanted = [line for line in source.splitlines() if re.match(r">( |$)", line)]
            got = []
            for lines, tokens in _blockquotes(source):
                # the quote holds only quoted lines: the paragraph after it stays outside
                outside = [line for line in lines if line.strip() and not line.startswith(">")]
                assert not outside, f"{slug}: pulled into a quote: {outside[0]!r}\n{source}"
                got += [line for line in lines if re.match(r">( |$)", line)]
                head = lines[0]
                for kind in kinds:
                    kinds[kind] += head.startswith(f"> **{kind}:**")
                if head.startswith("> **Check yourself:**"):
                    # the hint is its own paragraph, not part of the last choice
                    in_item, hint_in_item, hints = 0, False, 0
                    for token in tokens:
                        in_item += token.type == "list_item_open"
                        in_item -= token.type == "list_item_close"
                        hint = "Answer it on the course site" in token.content
                        if token.type == "inline" and hint:
                            hints += 1
                            hint_in_item = hint_in_item or in_item > 0
                    assert hints == 1 and not hint_in_item, f"{slug}: {lines}"
            # every quoted line is in a quote, and two blocks never merge into one paragraph
            assert got == wanted, f"{slug}: {source}"
            for lines, _ in _blockquotes(source):
                starts = [line for line in lines if re.match(r"> \*\*(Check yourself|Tip)", line)]
                assert len(starts) <= 1, f"{slug}: two blocks merged: {lines}"
    assert kinds["Check yourself"] > 10 and kinds["Tip"] > 10, kinds


@pytest.mark.build
def test_the_quiz_hint_of_every_notebook_runs_as_typed(built_site: Path):
    """Each "Check yourself" block says which call answers it; typed into a fresh Python, as
    is, with the right answers on stdin, every one asks its question and counts it right."""
    import subprocess
    import sys

    from dlcourse.quiz import load_quiz

    calls = []
    for notebook in _exported(built_site).values():
        for source in _markdown(notebook):
            calls += re.findall(r"or run `(import dlcourse; dlcourse\.quiz\.ask\([^`]*\))`", source)
    assert len(calls) > 10
    replies = [re.search(r'ask\("([^"]+)", "([^"]+)"\)', call).groups() for call in calls]
    keys = {}
    for slug in {s for s, _ in replies}:
        loaded = load_quiz(slug, run=True)
        keys.update({(slug, q.id): q for q in loaded})

    def right(q) -> str:
        if q.kind == "numeric":
            return repr(q.answer)
        if q.kind == "multiple":
            return ",".join(str(i + 1) for i in sorted(q.key))
        return str(q.key + 1)

    script = "\n".join(calls)  # each line as the notebook prints it
    done = subprocess.run(
        [sys.executable, "-c", script],
        input="".join(right(keys[r]) + "\n" for r in replies),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.count("1 of 1 right first time.") == len(calls)
