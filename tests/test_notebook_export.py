"""The exported notebooks: book-only syntax becomes Markdown that Colab renders."""

from __future__ import annotations

import nbformat

from dlcourse.book.notebooks import plain_markdown
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
    assert 'dlcourse.quiz.ask("introduction-to-deep-learning")' in text
    assert "{quiz-question}" not in text
