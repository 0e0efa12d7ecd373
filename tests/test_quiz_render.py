"""Rendering quizzes: escaped HTML that works without JavaScript, from a tiny fixture book
(tests/fixtures/quiz_project), and build errors that name the file, the question and the field."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dlcourse.book.quizzes import inline, render_question
from dlcourse.quiz import Choice, Question

FIXTURE = Path(__file__).parent / "fixtures" / "quiz_project"
SRC = Path(__file__).resolve().parents[1] / "src"


def build(project: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",
            "-q",
            str(project),
            str(project / "_build" / "html"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def copy_fixture(tmp_path: Path) -> Path:
    project = tmp_path / "book"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("_build"))
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = copy_fixture(tmp_path_factory.mktemp("quiz"))
    proc = build(project)
    assert proc.returncode == 0, proc.stderr
    return project / "_build" / "html"


# --- the HTML of one question, without Sphinx ---------------------------------------------------


def test_inline_markup_is_a_small_subset_and_everything_else_is_escaped():
    assert inline("**a** *b* `c<d>`") == "<strong>a</strong> <em>b</em> <code>c&lt;d&gt;</code>"
    assert inline('<img src=x "onerror=alert(1)">') == (
        "&lt;img src=x &quot;onerror=alert(1)&quot;&gt;"
    )
    assert inline("`**not bold**`") == "<code>**not bold**</code>"


def test_a_question_renders_as_a_fieldset_with_labelled_native_inputs_and_a_disclosure():
    q = Question(
        "q1",
        "multiple",
        "Pick <two>",
        "Because **so**.",
        "practice",
        choices=(Choice("a", True), Choice("b", False, "no: <b>"), Choice("c", True)),
        section="#here",
    )
    html = render_question(q, "some-module", 4, "Question 1 of 4", review="Here & there")
    assert html.startswith('<form class="dl-q" id="q-q1" data-dl-quiz="some-module"')
    assert 'data-dl-key="0,2"' in html and 'data-dl-total="4"' in html
    assert "<fieldset><legend>" in html and "Pick &lt;two&gt;" in html
    assert html.count('type="checkbox"') == 3
    for i in range(3):
        assert f'<input type="checkbox" id="q-q1-{i}" name="q-q1" value="{i}">' in html
        assert f'<label for="q-q1-{i}">' in html
    assert '<details class="dl-q-answer"><summary>Show the answer</summary>' in html
    assert "<strong>Answer:</strong> a; c" in html
    assert '<span class="dl-q-note">no: &lt;b&gt;</span>' in html
    assert '<a href="#here">Review: Here &amp; there</a>' in html
    assert 'role="status"' in html


def test_a_numeric_question_has_a_labelled_number_input_and_states_its_tolerance():
    q = Question(
        "n", "numeric", "How much?", "So.", "practice", answer=2.303, tolerance=0.01, unit="nats"
    )
    html = render_question(q, "m", 1, "Question 1 of 1")
    assert '<label for="q-n-input">Your answer <span class="dl-unit">(nats)</span></label>' in html
    assert '<input type="number" step="any"' in html
    assert "2.303 nats (answers within ±0.01 are accepted)" in html
    assert 'data-dl-answer="2.303" data-dl-tolerance="0.01"' in html


# --- the fixture book ------------------------------------------------------------------------


def test_data_with_script_and_onerror_shows_as_text(built):
    page = (built / "modules" / "introduction-to-deep-learning.html").read_text()
    form = re.search(r'<form class="dl-q" id="q-tricky".*?</form>', page, re.S).group(0)
    assert "<script>" not in form and "<img" not in form
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in form
    assert "&quot;onerror=alert(1)&quot;" in form
    assert "Right: &lt;em&gt;escaped&lt;/em&gt;" in form
    assert "shown as <strong>text</strong>?" in form


def test_module_page_gets_inline_question_and_practice_quiz_with_review_links(built):
    page = (built / "modules" / "introduction-to-deep-learning.html").read_text()
    assert page.count('<form class="dl-q"') == 3
    assert '<section id="practice-quiz">' in page
    assert '<a href="#activation-functions">Review: Activation functions</a>' in page
    assert (
        'data-dl-progress="introduction-to-deep-learning" data-dl-ids="tricky how-many printed"'
        in page
    )
    assert "quiz.js" in page and "quiz.css" in page


def test_predict_output_choices_are_the_computed_output_and_distractors_escaped(built):
    page = (built / "modules" / "introduction-to-deep-learning.html").read_text()
    form = re.search(r'<form class="dl-q" id="q-printed".*?</form>', page, re.S).group(0)
    key = re.search(r'data-dl-key="(\d)"', form).group(1)
    label = re.search(rf'<label for="q-printed-{key}">(.*?)</label>', form).group(1)
    assert label == '<code class="dl-output">&lt;b&gt;&lt;b&gt;</code>'
    assert 'class="highlight' in form  # the code, highlighted like the page's code


def test_a_page_outside_modules_uses_its_own_quiz_file(built):
    page = (built / "faq.html").read_text()
    assert 'id="q-offline"' in page and 'data-dl-quiz="faq"' in page


def test_progress_page_lists_every_module(built):
    page = (built / "progress.html").read_text()
    assert page.count("<tr><td>") == 26
    assert (
        'data-dl-progress="introduction-to-deep-learning" data-dl-ids="tricky how-many printed" '
        'data-dl-total="3"'
    ) in page
    assert page.count("No quiz yet") == 25
    assert 'class="dl-button dl-reset"' in page


def test_progress_counts_the_current_questions_of_the_pages_in_this_build(tmp_path):
    # the practice quiz's summary counts the module's current ids; a module whose page is not
    # in the build gets no count, even with a quiz file
    project = copy_fixture(tmp_path)
    data = project / "quizzes" / "introduction-to-deep-learning.yaml"
    data.write_text(data.read_text().replace("id: how-many", "id: how-much"))
    other = project / "quizzes" / "pytorch-setup-and-tensors.yaml"
    other.write_text(
        "module: pytorch-setup-and-tensors\npractice:\n  - id: q\n    kind: true-false\n"
        "    prompt: P\n    answer: true\n    explanation: E\n"
    )
    proc = build(project)
    assert proc.returncode == 0, proc.stderr
    out = project / "_build" / "html"
    page = (out / "modules" / "introduction-to-deep-learning.html").read_text()
    assert (
        'data-dl-progress="introduction-to-deep-learning" data-dl-ids="tricky how-much printed"'
        in (page)
    )
    progress = (out / "progress.html").read_text()
    assert 'data-dl-progress="pytorch-setup-and-tensors"' not in progress
    assert progress.count("No quiz yet") == 25


# --- build errors ------------------------------------------------------------------------------


def test_an_inline_id_the_page_uses_but_the_data_lacks_stops_the_build(tmp_path):
    project = copy_fixture(tmp_path)
    page = project / "modules" / "introduction-to-deep-learning.md"
    page.write_text(page.read_text().replace("{quiz-question} tricky", "{quiz-question} trikcy"))
    proc = build(project)
    assert proc.returncode != 0
    assert "introduction-to-deep-learning.md:18 places it" in proc.stderr
    assert "question 'trikcy': field 'inline'" in proc.stderr
    assert "did you mean 'tricky'" in proc.stderr


def test_bad_quiz_data_stops_the_build_with_file_line_id_and_field(tmp_path):
    project = copy_fixture(tmp_path)
    data = project / "quizzes" / "introduction-to-deep-learning.yaml"
    data.write_text(data.read_text().replace("tolerance: 0.01", "tolerance: -0.01"))
    proc = build(project)
    assert proc.returncode != 0
    assert "introduction-to-deep-learning.yaml:18: question 'how-many': field 'tolerance'" in (
        proc.stderr
    )


def test_unplaced_inline_questions_and_missing_sections_are_reported(tmp_path):
    project = copy_fixture(tmp_path)
    data = project / "quizzes" / "introduction-to-deep-learning.yaml"
    text = data.read_text().replace('"#activation-functions"', '"#activations"')
    text = text.replace(
        "practice:\n",
        (
            "  - id: extra\n    kind: true-false\n    prompt: P\n    answer: true\n"
            "    explanation: E\npractice:\n"
        ),
    )
    data.write_text(text)
    proc = build(project)
    assert proc.returncode != 0
    assert "field 'section': no section '#activations' on this page" in proc.stderr
    assert "inline question 'extra' is not placed on its page" in proc.stderr


def test_quiz_text_is_escaped_in_the_exported_notebook(built):
    # Jupyter renders a markdown cell's HTML: quiz text goes in escaped, as on the site
    notebook = json.loads((built / "notebooks" / "introduction-to-deep-learning.ipynb").read_text())
    text = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "shown as **text**?" in text  # the markup the site renders stays markup
    assert "> - Yes, `<b>` stays text" in text  # a code span shows its text verbatim
