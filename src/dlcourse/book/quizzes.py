"""Render quizzes from ``quizzes/*.yaml`` as accessible HTML that works without JavaScript.

- ``{quiz-question} ID`` places one inline question of the page's quiz data;
- ``{practice-quiz}`` places the page's practice quiz (module pages get theirs at the end
  without it, through :func:`practice_quiz_section`);
- ``{course-progress}`` renders the table of all modules with the learner's progress.

A page's quiz data is ``quizzes/SLUG.yaml`` for ``modules/SLUG``, else ``quizzes/DOCNAME.yaml``.
Errors in the data stop the build with the file, line, question id and field. The HTML is
written at build time; ``static/quiz.js`` adds checking, feedback and progress.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError
from sphinx.util import logging
from sphinx.writers.html5 import HTML5Translator

from dlcourse import outline, quiz
from dlcourse.book.pages import add_html_node
from dlcourse.quiz import Question, Quiz, QuizError

logger = logging.getLogger(__name__)
MODULE_DIR = "modules/"


class QuizBuildError(SphinxError):
    """The quiz data, or a page's use of it, is wrong; the message says where and how to fix."""

    category = "dlcourse quiz error"


# --- finding a page's quiz -----------------------------------------------------------------------


def page_key(docname: str) -> str:
    """The quiz data name of a page: the module slug, or the docname outside ``modules/``."""
    return docname[len(MODULE_DIR) :] if docname.startswith(MODULE_DIR) else docname


def quiz_dir(app: Sphinx) -> Path:
    """``dlcourse_quiz_dir`` (relative to conf.py), or the package's :func:`quiz.data_dir`."""
    configured = app.config.dlcourse_quiz_dir
    return (Path(app.confdir) / configured).resolve() if configured else quiz.data_dir()


def _current(env: BuildEnvironment) -> Any:
    return getattr(env, "current_document", None) or env.temp_data


def load_page_quiz(env: BuildEnvironment, key: str) -> Quiz | None:
    """The validated quiz ``key`` (predict-output computed), or ``None`` when there is none.

    The page being read depends on the file: editing it re-reads the page (code cells stay
    cached by MyST-NB).
    """
    current = _current(env)
    memo = current.get("dl_quizzes") or {}
    if key in memo:
        return memo[key]
    path = quiz_dir(env.app) / f"{key}.yaml"
    if not path.is_file():
        loaded = None
    else:
        env.note_dependency(str(path))
        cache = Path(env.app.doctreedir).parent / ".dlcourse_quiz_outputs"
        try:
            timeout = env.app.config.dlcourse_snippet_timeout
            loaded = quiz.compute_outputs([quiz.load_quiz(path)], cache, timeout=timeout)[0]
        except QuizError as exc:
            raise QuizBuildError(f"{exc}\n(read for {env.doc2path(env.docname)})") from None
    memo[key] = loaded
    current["dl_quizzes"] = memo
    return loaded


# --- nodes, written as HTML at build time ----------------------------------------------------


class quiz_question(nodes.General, nodes.Element):
    """One question: ``question``, ``key`` (quiz name), ``total``, ``label``, ``review``."""


class quiz_set(nodes.General, nodes.Element):
    """A practice quiz: an intro, the questions (children), the module's progress."""


class course_progress(nodes.General, nodes.Element):
    """The table of all modules with the learner's progress, and a reset button."""


_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"\*(?=\S)(.+?)(?<=\S)\*")


def inline(text: str) -> str:
    """Escape ``text``, then render `code`, **strong** and *em*; nothing else is markup.

    >>> inline('Use `<b>` **not** <script>alert(1)</script> "x" *here*')
    'Use <code>&lt;b&gt;</code> <strong>not</strong> &lt;script&gt;alert(1)&lt;/script&gt; \
&quot;x&quot; <em>here</em>'
    """
    out = []
    for i, part in enumerate(_CODE.split(text)):
        if i % 2:
            out.append(f"<code>{html.escape(part)}</code>")
        else:
            part = html.escape(part)
            out.append(_EM.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", part)))
    return "".join(out)


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def _choice_html(q: Question, i: int, text: str) -> str:
    return (
        f'<code class="dl-output">{html.escape(text)}</code>'
        if q.choices[i].is_output
        else (inline(text))
    )


def render_question(
    q: Question,
    key: str,
    total: int,
    label: str,
    review: str | None = None,
    code_html: str | None = None,
) -> str:
    """The HTML of one question: a form with a fieldset, native inputs, and the answer in a
    ``<details>`` that works without JavaScript. Every text from the data is escaped."""
    qid = f"q-{q.id}"
    data = {"dl-quiz": key, "dl-q": q.id, "dl-kind": q.kind, "dl-total": total}
    if q.kind == "numeric":
        data.update({"dl-answer": repr(q.answer), "dl-tolerance": repr(q.tolerance)})
    else:
        data["dl-key"] = ",".join(str(i) for i, c in enumerate(q.choices) if c.correct)
    attrs = " ".join(f'data-{k}="{_attr(v)}"' for k, v in data.items())
    out = [f'<form class="dl-q" id="{_attr(qid)}" {attrs}>', "<fieldset>"]
    out.append(
        f'<legend><span class="dl-q-label">{html.escape(label)}</span> '
        f'<span class="dl-q-prompt">{inline(q.prompt)}</span></legend>'
    )
    if q.code:
        out.append(
            code_html or f'<pre class="dl-q-code"><code>{html.escape(q.code.rstrip())}</code></pre>'
        )
    if q.kind == "numeric":
        unit = f' <span class="dl-unit">({html.escape(q.unit)})</span>' if q.unit else ""
        out.append(
            f'<p class="dl-numeric"><label for="{qid}-input">Your answer{unit}</label> '
            f'<input type="number" step="any" inputmode="decimal" id="{qid}-input" '
            f'name="{qid}" autocomplete="off"></p>'
        )
    else:
        kind = "checkbox" if q.kind == "multiple" else "radio"
        out.append('<div class="dl-choices">')
        for i, choice in enumerate(q.choices):
            out.append(
                f'<div class="dl-choice"><input type="{kind}" id="{qid}-{i}" name="{qid}" '
                f'value="{i}"> <label for="{qid}-{i}">{_choice_html(q, i, choice.text)}</label>'
                "</div>"
            )
        out.append("</div>")
    out.append("</fieldset>")
    out.append('<div class="dl-q-actions" hidden></div>')
    out.append('<div class="dl-q-feedback" role="status"></div>')
    out.append('<details class="dl-q-answer"><summary>Show the answer</summary>')
    out.append('<div class="dl-q-answer-body">')
    out.append(f'<p class="dl-q-key"><strong>Answer:</strong> {_answer_html(q)}</p>')
    out.append(f'<div class="dl-q-explanation"><p>{inline(q.explanation)}</p></div>')
    notes = [(i, c) for i, c in enumerate(q.choices) if c.feedback]
    if notes:
        out.append('<ul class="dl-q-notes">')
        for i, c in notes:
            out.append(
                f'<li data-dl-choice="{i}"><span class="dl-q-note-choice">'
                f"{_choice_html(q, i, c.text)}</span>: "
                f'<span class="dl-q-note">{inline(c.feedback or "")}</span></li>'
            )
        out.append("</ul>")
    if q.section:
        title = html.escape(review or q.section.lstrip("#"))
        out.append(f'<p class="dl-q-review"><a href="{_attr(q.section)}">Review: {title}</a></p>')
    out.append("</div></details></form>")
    return "".join(out)


def _answer_html(q: Question) -> str:
    if q.kind == "numeric":
        unit = f" {html.escape(q.unit)}" if q.unit else ""
        margin = f" (answers within ±{q.tolerance:g} are accepted)" if q.tolerance else ""
        return f"{q.answer:g}{unit}{margin}"
    right = [_choice_html(q, i, c.text) for i, c in enumerate(q.choices) if c.correct]
    return "; ".join(right)


def visit_quiz_question(self: HTML5Translator, node: quiz_question) -> None:
    q: Question = node["question"]
    code_html = None
    if q.code:
        code_html = self.highlighter.highlight_block(q.code.rstrip(), "python", linenos=False)
        code_html = f'<div class="highlight-python notranslate dl-q-code">{code_html}</div>'
    self.body.append(
        render_question(q, node["key"], node["total"], node["label"], node.get("review"), code_html)
    )
    raise nodes.SkipNode


FOREIGN_NOTE = (
    '<span class="dl-foreign" hidden>Your progress was saved by another version of this site: '
    "it is kept as it is, and answers here are not recorded.</span>"
)


def visit_quiz_set(self: HTML5Translator, node: quiz_set) -> None:
    key = _attr(node["key"])
    self.body.append(
        f'<div class="dl-quiz" data-dl-quiz="{key}">'
        '<p class="dl-quiz-intro">Choose an answer and check it; each question also opens its '
        "answer and explanation. Your progress stays in this browser. "
        f'<span class="dl-progress" data-dl-progress="{key}" data-dl-total="{node["total"]}">'
        f"</span> {FOREIGN_NOTE}</p>"
    )


def depart_quiz_set(self: HTML5Translator, node: quiz_set) -> None:
    self.body.append("</div>")


def visit_course_progress(self: HTML5Translator, node: course_progress) -> None:
    totals: dict[str, int] = node["totals"]
    found = self.builder.env.found_docs
    rows = []
    for m in outline.MODULES:
        title = html.escape(m.title)
        if m.docname in found:
            uri = self.builder.get_relative_uri(self.builder.current_docname, m.docname)
            title = f'<a href="{_attr(uri)}">{title}</a>'
        if m.slug in totals and m.docname in found:  # a quiz counts only with its page
            cell = (
                f'<span class="dl-progress" data-dl-progress="{m.slug}" '
                f'data-dl-total="{totals[m.slug]}" data-dl-empty="Not started">'
                f"{totals[m.slug]} questions</span>"
            )
        else:
            cell = '<span class="dl-progress-none">No quiz yet</span>'
        rows.append(f"<tr><td>{m.number}</td><td>{title}</td><td>{cell}</td></tr>")
    self.body.append(
        '<div class="dl-course-progress">'
        '<table class="table dl-progress-table"><caption>Quiz progress by module</caption>'
        '<thead><tr><th scope="col">#</th><th scope="col">Module</th>'
        '<th scope="col">Your progress</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
        "<noscript><p>Progress is recorded by JavaScript in your browser; with JavaScript off, "
        "the quizzes still show their answers, but nothing is recorded.</p></noscript>"
        f"<p>{FOREIGN_NOTE}</p>"
        '<p class="dl-reset-row" hidden><button type="button" class="dl-button dl-reset">'
        'Reset my progress</button> <span class="dl-reset-status" role="status"></span></p>'
        "</div>"
    )
    raise nodes.SkipNode


# --- directives ---------------------------------------------------------------------------------


def _where(directive: Directive) -> str:
    env = directive.state.document.settings.env
    return f"{env.doc2path(env.docname)}:{directive.lineno}"


def _placed(env: BuildEnvironment) -> set[str]:
    current = _current(env)
    placed = current.get("dl_placed")
    if placed is None:
        placed = set()
        current["dl_placed"] = placed
    return placed


def _record(env: BuildEnvironment, key: str, inline_ids: list[str], practice: bool) -> None:
    pages = env.dlcourse_quiz_pages  # type: ignore[attr-defined]
    entry = pages.setdefault(env.docname, {"key": key, "inline": [], "practice": False})
    entry["inline"] += inline_ids
    entry["practice"] = entry["practice"] or practice


class _NotedDirective(Directive):
    """A quiz directive whose error is noted against the page (:mod:`dlcourse.book.problems`):
    the build then lists the quiz errors of every page, not only the first one read."""

    def run(self) -> list[nodes.Node]:
        try:
            return self.place()
        except QuizBuildError as exc:
            from dlcourse.book.problems import note

            note(self.state.document.settings.env, str(exc))
            return []

    def place(self) -> list[nodes.Node]:
        raise NotImplementedError


class QuizQuestionDirective(_NotedDirective):
    """``{quiz-question} ID``: place the page's inline question ID here."""

    required_arguments = 1
    has_content = False

    def place(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        qid = self.arguments[0].strip()
        key = page_key(env.docname)
        data = load_page_quiz(env, key)
        if data is None:
            raise QuizBuildError(
                f"{_where(self)}: {{quiz-question}} {qid}: there is no quiz data for this page; "
                f"create {quiz_dir(env.app) / (key + '.yaml')} with the question under 'inline:'."
            )
        try:
            question = data.inline_question(qid, where=_where(self))
        except QuizError as exc:
            raise QuizBuildError(str(exc)) from None
        placed = _placed(env)
        if qid in placed:
            raise QuizBuildError(
                f"{_where(self)}: {{quiz-question}} {qid}: this question is already placed on "
                "the page; each question appears once."
            )
        placed.add(qid)
        _record(env, key, [qid], practice=False)
        node = quiz_question(
            question=question, key=key, total=len(data), label="Check your understanding"
        )
        node.source, node.line = self.state_machine.get_source_and_line(self.lineno)
        return [node]


def _practice_nodes(data: Quiz) -> quiz_set:
    result = quiz_set(key=data.key, total=len(data))
    count = len(data.practice)
    for n, q in enumerate(data.practice, 1):
        result += quiz_question(
            question=q, key=data.key, total=len(data), label=f"Question {n} of {count}"
        )
    return result


class PracticeQuizDirective(_NotedDirective):
    """``{practice-quiz}`` (optionally ``{practice-quiz} KEY``): the practice quiz, here."""

    optional_arguments = 1
    has_content = False
    option_spec = {"class": directives.class_option}

    def place(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        key = self.arguments[0].strip() if self.arguments else page_key(env.docname)
        data = load_page_quiz(env, key)
        if data is None or not data.practice:
            raise QuizBuildError(
                f"{_where(self)}: {{practice-quiz}}: no practice questions for {key!r}; add them "
                f"under 'practice:' in {quiz_dir(env.app) / (key + '.yaml')}."
            )
        placed = _placed(env)
        if "practice:" + key in placed:
            raise QuizBuildError(f"{_where(self)}: the practice quiz {key!r} is placed twice.")
        placed.add("practice:" + key)
        _record(env, key, [], practice=True)
        node = _practice_nodes(data)
        node.source, node.line = self.state_machine.get_source_and_line(self.lineno)
        return [node]


def practice_quiz_section(app: Sphinx, docname: str, slug: str) -> nodes.section | None:
    """The "Practice quiz" section that ends a module page, or ``None`` when it has none
    (no practice questions, or the page placed its quiz itself with ``{practice-quiz}``)."""
    env = app.env
    if "practice:" + slug in _placed(env):
        return None
    data = load_page_quiz(env, slug)
    _record(env, slug, [], practice=True)
    if data is None or not data.practice:
        return None
    section = nodes.section(ids=["practice-quiz"], names=["practice quiz"])
    section += nodes.title(text="Practice quiz")
    section += _practice_nodes(data)
    return section


class CourseProgressDirective(Directive):
    """``{course-progress}``: all modules of the outline with the learner's progress."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        directory = quiz_dir(env.app)
        totals = {}
        for m in outline.MODULES:
            path = directory / f"{m.slug}.yaml"
            if path.is_file():
                env.note_dependency(str(path))
                try:
                    totals[m.slug] = len(quiz.load_quiz(path))
                except QuizError as exc:
                    raise QuizBuildError(str(exc)) from None
        return [course_progress(totals=totals)]


# --- checks after reading ----------------------------------------------------------------------


def _review_titles(app: Sphinx, doctree: nodes.document) -> None:
    """Give each question's "Review: ..." link the title of the section it points to."""
    titles: dict[str, str] = {}
    for section in doctree.findall(nodes.section):
        title = section[0].astext() if section.children else ""
        for anchor in [*section["ids"], section.get("slug")]:
            if anchor:
                titles.setdefault(anchor, title)
    for node in doctree.findall(quiz_question):
        section = node["question"].section
        if not section:
            continue
        if section[1:] in titles:
            node["review"] = titles[section[1:]]
        else:
            logger.warning(
                "quiz question %r (%s.yaml): field 'section': no section %r on this page; "
                "anchors here: %s",
                node["question"].id,
                node["key"],
                section,
                ", ".join("#" + a for a in sorted(titles)),
                location=node if node.line else app.env.docname,
            )


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    env.dlcourse_quiz_pages.pop(docname, None)  # type: ignore[attr-defined]
    env_pages(env).discard(docname)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment):
    env_pages(env).update(d for d in env_pages(other) if d in docnames)
    for docname in docnames:
        if docname in other.dlcourse_quiz_pages:  # type: ignore[attr-defined]
            env.dlcourse_quiz_pages[docname] = other.dlcourse_quiz_pages[docname]  # type: ignore[attr-defined]


def _init_env(app: Sphinx) -> None:
    if not hasattr(app.env, "dlcourse_quiz_pages"):
        app.env.dlcourse_quiz_pages = {}  # type: ignore[attr-defined]


def _docname(data: Quiz) -> str:
    return MODULE_DIR + data.key if data.is_module else data.key


def _check_all(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Every quiz file is valid, and one for a page (``page: DOCNAME``) has its page in the book.

    Pages read only their own file, so a file no page reads (a module the outline lacks, a
    misspelt page) would otherwise pass silently: this runs in every build, before reading.
    Notes each published quiz's question ids, for the progress counts (:func:`_progress_ids`);
    when they changed (a question renamed, a page added or removed), the pages that show
    progress are read and written again.
    """
    problems: list[quiz.Problem] = []
    ids: dict[str, tuple[str, ...]] = {}
    for path in sorted(quiz_dir(app).glob("*.yaml")):
        try:
            data = quiz.load_quiz(path)
        except QuizError as exc:
            problems += exc.problems
            continue
        if _docname(data) in env.found_docs:
            ids[data.key] = tuple(q.id for q in data)
        elif not data.is_module and not app.config.dlcourse_quiz_subset:
            source = Path(app.srcdir) / (data.key + ".md")
            problems.append(
                quiz.Problem(
                    quiz._display(path),
                    1,
                    None,
                    "page",
                    f"no page {data.key!r} in this book ({source} does not exist), so this quiz "
                    "would never be shown; write 'page:' and the file name as the docname of an "
                    "existing page (e.g. 'faq' for faq.md), or delete the file.",
                )
            )
    if problems:
        raise QuizBuildError(str(QuizError(problems)))
    app.dlcourse_quiz_ids = ids  # type: ignore[attr-defined]
    before = getattr(env, "dlcourse_quiz_ids", None)
    env.dlcourse_quiz_ids = ids  # type: ignore[attr-defined]
    if before == ids:
        return []
    if before is None:  # a build state from before ids were noted: which pages show is unknown
        return sorted(env.found_docs - added - removed)
    return sorted(d for d in env_pages(env) if d in env.found_docs and d not in removed)


def _note_progress(app: Sphinx, doctree: nodes.document) -> None:
    """Remember the pages that show progress (their counts depend on every quiz's ids)."""
    from dlcourse.book.pages import syllabus

    shows = env_pages(app.env)
    kinds = (quiz_set, course_progress, syllabus)
    if next(doctree.findall(lambda n: isinstance(n, kinds)), None) is not None:
        shows.add(app.env.docname)
    else:
        shows.discard(app.env.docname)


def env_pages(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "dlcourse_progress_pages"):
        env.dlcourse_progress_pages = set()  # type: ignore[attr-defined]
    return env.dlcourse_progress_pages  # type: ignore[attr-defined]


_PROGRESS = re.compile(r'data-dl-progress="([a-z0-9][a-z0-9-]*)"')


def _progress_ids(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Give every progress element the ids of its module's current questions (data-dl-ids):
    the browser counts only those, and none for a module whose page is not in this build."""
    body = context.get("body")
    ids = getattr(app, "dlcourse_quiz_ids", {})
    if not body or "data-dl-progress=" not in body:
        return

    def add(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in ids:
            return match.group(0)
        return f'{match.group(0)} data-dl-ids="{" ".join(ids[key])}"'

    context["body"] = _PROGRESS.sub(add, body)


def _check_unplaced(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn about quiz data that no page shows: unplaced inline questions, practice quizzes."""
    pages = env.dlcourse_quiz_pages  # type: ignore[attr-defined]
    for path in sorted(quiz_dir(app).glob("*.yaml")):
        try:
            data = quiz.load_quiz(path)
        except QuizError:
            continue  # reported when a page reads it
        docname = _docname(data)
        if docname not in env.found_docs:
            continue
        entry = pages.get(docname, {"inline": [], "practice": False})
        for q in data.inline:
            if q.id not in entry["inline"]:
                logger.warning(
                    "%s:%d: inline question %r is not placed on its page; add "
                    "```{quiz-question} %s``` to %s, or move it under 'practice:'.",
                    path,
                    q.line,
                    q.id,
                    q.id,
                    env.doc2path(docname),
                )
        if data.practice and not entry["practice"]:
            logger.warning(
                "%s: its practice quiz is not placed; add ```{practice-quiz}``` to %s.",
                path,
                env.doc2path(docname),
            )


def setup(app: Sphinx) -> None:
    app.add_config_value("dlcourse_quiz_dir", "", "env", str)
    # seconds one predict-output snippet may run; None: $DLCOURSE_SNIPPET_TIMEOUT, else 20
    app.add_config_value("dlcourse_snippet_timeout", None, "env", (float, int, type(None)))
    # a book with only some of the pages the quiz data is for (a test book): a quiz for a page
    # it lacks is no error
    app.add_config_value("dlcourse_quiz_subset", False, "env", bool)
    add_html_node(app, quiz_question, visit_quiz_question)
    add_html_node(app, quiz_set, visit_quiz_set, depart_quiz_set)
    add_html_node(app, course_progress, visit_course_progress)
    app.add_directive("quiz-question", QuizQuestionDirective)
    app.add_directive("practice-quiz", PracticeQuizDirective)
    app.add_directive("course-progress", CourseProgressDirective)
    app.add_js_file("quiz.js", defer="defer")
    app.add_css_file("quiz.css")
    app.connect("builder-inited", _init_env)
    app.connect("doctree-read", _review_titles, priority=600)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-outdated", _check_all)
    app.connect("doctree-read", _note_progress)
    app.connect("env-check-consistency", _check_unplaced)
    app.connect("html-page-context", _progress_ids)
