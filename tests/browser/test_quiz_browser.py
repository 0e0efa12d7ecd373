"""Quizzes in real headless Chromium: feedback, keyboard, progress, reset, no-JS, axe-core."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser

MODULE = "modules/introduction-to-deep-learning.html"
SLUG = "introduction-to-deep-learning"
STORE = "dlcourse-progress"


def open_module(page, base_url: str) -> None:
    page.goto(f"{base_url}/{MODULE}")
    page.wait_for_selector("#q-activation-purpose .dl-check")


def choose(page, qid: str, right: bool) -> None:
    """Click the label of a right (or a wrong) choice of question ``qid``."""
    form = page.locator(f"#q-{qid}")
    key = form.get_attribute("data-dl-key").split(",")
    count = form.locator(".dl-choice").count()
    indexes = key if right else [str(i) for i in range(count) if str(i) not in key][:1]
    for i in indexes:
        form.locator(f'label[for="q-{qid}-{i}"]').click()


def test_a_right_answer_says_correct_and_explains(page, base_url):
    open_module(page, base_url)
    choose(page, "activation-purpose", right=True)
    page.click("#q-activation-purpose .dl-check")
    feedback = page.locator("#q-activation-purpose .dl-q-feedback")
    assert feedback.get_attribute("role") == "status"
    text = feedback.inner_text()
    assert "Correct." in text and "Not quite" not in text
    assert "stack of linear layers is still one linear map" in text  # the explanation
    assert page.locator("#q-activation-purpose .dl-choice.dl-right").count() == 1


def test_a_wrong_answer_says_not_quite_with_its_feedback_and_can_be_retried(page, base_url):
    open_module(page, base_url)
    form = page.locator("#q-common-optimizer")
    form.locator(".dl-choice label", has_text="ReLU").click()
    form.locator(".dl-check").click()
    text = form.locator(".dl-q-feedback").inner_text()
    assert "Not quite." in text and "Correct." not in text
    assert "ReLU is an activation function, not an optimizer." in text
    assert form.locator(".dl-q-feedback a").inner_text() == "Review: One training step"
    form.locator(".dl-again").click()
    assert form.locator(".dl-q-feedback").inner_text() == ""
    assert form.locator("input:checked").count() == 0
    assert page.evaluate("document.activeElement.id") == "q-common-optimizer-0"


def test_a_wrong_true_false_answer_is_explained_at_once(page, base_url):
    # with two options, "try again" would only give the answer away without the why
    open_module(page, base_url)
    choose(page, "hidden-layers-linear", right=False)
    page.click("#q-hidden-layers-linear .dl-check")
    feedback = page.locator("#q-hidden-layers-linear .dl-q-feedback")
    text = feedback.inner_text()
    assert "Not quite." in text and "Try again" not in text
    assert "can only draw a flat plane" in text  # the explanation
    assert feedback.locator("a").inner_text().startswith("Review:")


def test_multiple_numeric_and_predict_output_questions(page, base_url):
    open_module(page, base_url)
    choose(page, "activation-facts", right=True)
    page.click("#q-activation-facts .dl-check")
    assert "Correct." in page.inner_text("#q-activation-facts .dl-q-feedback")

    page.fill("#q-neuron-output-input", "0.5")
    page.click("#q-neuron-output .dl-check")
    assert "Not quite." in page.inner_text("#q-neuron-output .dl-q-feedback")
    page.fill("#q-neuron-output-input", "0.2")
    page.press("#q-neuron-output-input", "Enter")  # Enter checks, as in any form
    assert "Correct." in page.inner_text("#q-neuron-output .dl-q-feedback")

    form = page.locator("#q-layer-of-neurons")
    right = form.get_attribute("data-dl-key")
    assert form.locator(f'label[for="q-layer-of-neurons-{right}"]').inner_text() == (
        "torch.Size([3, 5])"
    )
    choose(page, "layer-of-neurons", right=True)
    form.locator(".dl-check").click()
    assert "Correct." in form.locator(".dl-q-feedback").inner_text()


def test_checking_without_an_answer_asks_for_one(page, base_url):
    open_module(page, base_url)
    page.click("#q-hidden-layers-linear .dl-check")
    assert page.inner_text("#q-hidden-layers-linear .dl-q-feedback") == "Choose an answer first."
    assert page.evaluate(f"localStorage.getItem('{STORE}')") is None


def test_keyboard_only(page, base_url):
    open_module(page, base_url)
    for _ in range(400):  # Tab through the page until the question's first choice has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q-common-optimizer":
            break
    else:
        pytest.fail("Tab never reached the question")
    assert page.evaluate("document.activeElement.id") == "q-common-optimizer-0"
    page.keyboard.press("ArrowDown")  # a radio group: arrows move and select
    assert page.is_checked("#q-common-optimizer-1")
    page.keyboard.press("ArrowUp")
    assert page.is_checked("#q-common-optimizer-0")
    key = int(page.get_attribute("#q-common-optimizer", "data-dl-key"))
    for _ in range(key):  # down to the right choice
        page.keyboard.press("ArrowDown")
    assert page.is_checked(f"#q-common-optimizer-{key}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Check"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused button has no visible focus outline"
    page.keyboard.press("Enter")
    assert "Correct." in page.inner_text("#q-common-optimizer .dl-q-feedback")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Try again"
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.id") == "q-common-optimizer-0"
    assert page.inner_text("#q-common-optimizer .dl-q-feedback") == ""


def test_progress_survives_a_reload_and_shows_on_the_landing_and_progress_pages(page, base_url):
    open_module(page, base_url)
    choose(page, "activation-purpose", right=True)
    page.click("#q-activation-purpose .dl-check")
    choose(page, "common-optimizer", right=False)
    page.click("#q-common-optimizer .dl-check")
    summary = '.dl-quiz [data-dl-progress="introduction-to-deep-learning"]'
    assert page.inner_text(summary) == "2 of 7 answered, 1 correct"

    page.reload()
    page.wait_for_selector("#q-activation-purpose .dl-check")
    assert page.inner_text(summary) == "2 of 7 answered, 1 correct"
    before = page.inner_text("#q-activation-purpose .dl-q-before")
    assert before == "You answered this correctly before."

    page.goto(f"{base_url}/index.html")
    landing = page.locator(f'[data-dl-progress="{SLUG}"]')
    assert landing.inner_text() == "2 of 7 answered, 1 correct"

    page.goto(f"{base_url}/progress.html")
    assert page.inner_text(f'td [data-dl-progress="{SLUG}"]') == "2 of 7 answered, 1 correct"
    assert page.locator(".dl-progress-table tbody tr").count() == 26


def test_reset_clears_progress(page, base_url):
    open_module(page, base_url)
    choose(page, "activation-purpose", right=True)
    page.click("#q-activation-purpose .dl-check")
    page.goto(f"{base_url}/progress.html")
    cell = page.locator(f'td [data-dl-progress="{SLUG}"]')
    assert cell.inner_text() == "1 of 7 answered, 1 correct"
    page.click("button.dl-reset")
    assert cell.inner_text() == "Not started"
    assert page.inner_text(".dl-reset-status") == "Your quiz progress has been reset."
    assert page.evaluate(f"localStorage.getItem('{STORE}')") is None
    page.goto(f"{base_url}/index.html")
    assert page.inner_text(f'[data-dl-progress="{SLUG}"]') == ""


@pytest.mark.parametrize(
    "stored",
    [
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"modules": {}}),
        json.dumps({"version": 1, "modules": []}),
        json.dumps({"version": 1, "modules": {SLUG: {"questions": {"x": {"correct": "yes"}}}}}),
        json.dumps({"version": 1, "modules": {"__proto__": {"questions": {}}}}),
    ],
)
def test_a_corrupt_or_old_stored_value_never_breaks_a_page(context, base_url, stored):
    context.add_init_script(f"localStorage.setItem({STORE!r}, {json.dumps(stored)})")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_module(page, base_url)
    choose(page, "activation-purpose", right=True)
    page.click("#q-activation-purpose .dl-check")
    assert "Correct." in page.inner_text("#q-activation-purpose .dl-q-feedback")
    saved = json.loads(page.evaluate(f"localStorage.getItem('{STORE}')"))
    assert saved["version"] == 1
    assert saved["modules"][SLUG]["questions"]["activation-purpose"] == {
        "correct": True,
        "tries": 1,
    }
    assert not errors


@pytest.mark.parametrize("version", [2, 0, "1"])
def test_stored_progress_of_another_version_is_left_untouched_and_the_page_works(
    context, base_url, version
):
    # a newer copy of the site wrote it: an older copy must not destroy what it cannot read
    stored = json.dumps({"version": version, "modules": {SLUG: {"answers": ["x"]}}})
    context.add_init_script(
        f"if (!sessionStorage.seeded) {{ sessionStorage.seeded = 1; "
        f"localStorage.setItem({STORE!r}, {json.dumps(stored)}); }}"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    open_module(page, base_url)
    assert page.locator(".dl-q-before").count() == 0
    choose(page, "activation-purpose", right=True)
    page.click("#q-activation-purpose .dl-check")
    assert "Correct." in page.inner_text("#q-activation-purpose .dl-q-feedback")
    assert page.locator(".dl-quiz .dl-foreign").is_visible()
    page.reload()
    page.wait_for_selector("#q-activation-purpose .dl-check")
    page.goto(f"{base_url}/progress.html")
    assert page.inner_text(f'td [data-dl-progress="{SLUG}"]') == "Not started"
    assert page.locator(".dl-course-progress .dl-foreign").is_visible()
    assert page.evaluate(f"localStorage.getItem('{STORE}')") == stored
    assert not errors


def test_progress_counts_only_the_current_questions(context, base_url):
    # answers to questions since renamed or removed stay stored but do not count
    questions = {
        "activation-purpose": {"correct": True, "tries": 1},
        **{f"removed-{i}": {"correct": True, "tries": 1} for i in range(9)},
    }
    stored = {
        "version": 1,
        "modules": {
            SLUG: {"total": 7, "questions": questions},
            "loss-functions": {"total": 3, "questions": {"renamed": {"correct": True, "tries": 1}}},
        },
    }
    context.add_init_script(
        f"if (!localStorage.getItem({STORE!r})) "
        f"localStorage.setItem({STORE!r}, {json.dumps(json.dumps(stored))})"
    )
    page = context.new_page()
    open_module(page, base_url)
    summary = '.dl-quiz [data-dl-progress="introduction-to-deep-learning"]'
    assert page.inner_text(summary) == "1 of 7 answered, 1 correct"
    page.goto(f"{base_url}/index.html")
    assert page.inner_text(f'[data-dl-progress="{SLUG}"]') == "1 of 7 answered, 1 correct"
    assert page.inner_text('[data-dl-progress="loss-functions"]') == ""
    page.goto(f"{base_url}/progress.html")
    assert page.inner_text(f'td [data-dl-progress="{SLUG}"]') == "1 of 7 answered, 1 correct"
    assert page.inner_text('td [data-dl-progress="loss-functions"]') == "Not started"
    assert not page.locator(".dl-progress-done").count()


@pytest.fixture(scope="module")
def odd_ids_url(tmp_path_factory, serve_site):
    """The quiz fixture book with a question whose id is a name on Object.prototype."""
    from test_quiz_render import build, copy_fixture

    project = copy_fixture(tmp_path_factory.mktemp("odd-ids"))
    data = project / "quizzes" / f"{SLUG}.yaml"
    data.write_text(
        data.read_text() + "  - id: constructor\n    kind: true-false\n    prompt: Is it counted?\n"
        "    answer: true\n    explanation: Like any other.\n"
    )
    proc = build(project)
    assert proc.returncode == 0, proc.stderr
    with serve_site(project / "_build" / "html") as url:
        yield url


def test_an_id_like_constructor_behaves_like_any_other(page, odd_ids_url):
    page.goto(f"{odd_ids_url}/{MODULE}")
    page.wait_for_selector("#q-constructor .dl-check")
    assert page.locator("#q-constructor .dl-q-before").count() == 0  # a fresh browser
    summary = f'.dl-quiz [data-dl-progress="{SLUG}"]'
    assert page.inner_text(summary) == ""
    page.locator("#q-constructor label", has_text="True").click()
    page.click("#q-constructor .dl-check")
    assert "Correct." in page.inner_text("#q-constructor .dl-q-feedback")
    assert page.inner_text(summary) == "1 of 4 answered, 1 correct"
    page.reload()
    page.wait_for_selector("#q-constructor .dl-check")
    assert page.inner_text("#q-constructor .dl-q-before") == "You answered this correctly before."
    saved = json.loads(page.evaluate(f"localStorage.getItem('{STORE}')"))
    assert saved["modules"][SLUG]["questions"] == {"constructor": {"correct": True, "tries": 1}}


def test_without_javascript_the_answers_are_in_disclosures(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/{MODULE}")
    form = page.locator("#q-activation-purpose")
    assert form.locator(".dl-check").count() == 0
    assert form.locator("fieldset legend").count() == 1
    assert not form.locator(".dl-q-explanation").is_visible()
    form.locator("summary").click()
    assert form.locator(".dl-q-explanation").is_visible()
    body = form.locator(".dl-q-answer").inner_text()
    assert "Answer: It introduces non-linearity" in body
    assert "Review: Activation functions" in body
    context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_axe_finds_no_violations_in_the_quizzes(context, base_url, axe_source, theme):
    # the theme keeps the choice in "mode"; "theme" is what it applies before its script runs
    context.add_init_script(f"localStorage.mode = '{theme}'; localStorage.theme = '{theme}'")
    page = context.new_page()
    open_module(page, base_url)
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    choose(page, "activation-purpose", right=True)  # answered: feedback shown
    page.click("#q-activation-purpose .dl-check")
    choose(page, "common-optimizer", right=False)
    page.click("#q-common-optimizer .dl-check")
    page.locator("#q-backprop-computes summary").click()  # a disclosure opened
    page.add_script_tag(content=axe_source)
    # Scoped to the quizzes: the theme's own violations are another issue's.
    result = page.evaluate(
        "axe.run({include: [['form.dl-q'], ['.dl-quiz'], ['#practice-quiz']]})"
        ".then(r => r.violations.map(v => ({id: v.id, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))})))"
    )
    assert result == []

    page.goto(f"{base_url}/progress.html")
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "axe.run({include: [['.dl-course-progress']]}).then(r => r.violations.map(v => v.id))"
    )
    assert result == []
