/* dlcourse quizzes: check answers, show feedback, keep progress in localStorage.
   The HTML works without this script (answers in <details>); this only enhances it. */
(() => {
  "use strict";
  const KEY = "dlcourse-progress";
  const VERSION = 1;
  const NAME = /^[a-z0-9][a-z0-9-]*$/;
  const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const count = (v) => (Number.isInteger(v) && v > 0 ? v : 0);
  // Ids come from the data (e.g. "constructor"): look them up only among own keys, in objects
  // without a prototype, never through Object.prototype.
  const own = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
  const dict = () => Object.create(null);
  const empty = () => ({ version: VERSION, modules: dict(), foreign: false });

  // Stored progress: {version: 1, modules: {slug: {total, questions: {id: {correct, tries}}}}}.
  // Entries of this version that are not well formed are dropped, never trusted. A value of
  // another version (a newer copy of the site wrote it) is left untouched: it is neither shown
  // nor overwritten, so that the copy that can read it still finds it. Text that is not
  // progress at all (not JSON, no version) is replaced when an answer is recorded.
  function load() {
    let raw = null;
    try {
      raw = localStorage.getItem(KEY);
    } catch (e) {
      return empty();
    }
    const clean = empty();
    if (raw === null) return clean;
    let data;
    try {
      data = JSON.parse(raw);
    } catch (e) {
      return clean;
    }
    if (!isObj(data) || !own(data, "version")) return clean;
    if (data.version !== VERSION) {
      clean.foreign = true;
      return clean;
    }
    if (!isObj(data.modules)) return clean;
    for (const [slug, m] of Object.entries(data.modules)) {
      if (!NAME.test(slug) || !isObj(m) || !isObj(m.questions)) continue;
      const questions = dict();
      for (const [id, q] of Object.entries(m.questions)) {
        if (NAME.test(id) && isObj(q) && typeof q.correct === "boolean" && count(q.tries)) {
          questions[id] = { correct: q.correct, tries: q.tries };
        }
      }
      clean.modules[slug] = { total: count(m.total), questions };
    }
    return clean;
  }

  function save(data) {
    try {
      if (data) {
        localStorage.setItem(KEY, JSON.stringify({ version: VERSION, modules: data.modules }));
      } else localStorage.removeItem(KEY);
    } catch (e) {
      /* storage full or disabled: the quiz still works, it just forgets */
    }
  }

  const questionsOf = (data, slug) => (own(data.modules, slug) ? data.modules[slug].questions : dict());

  // "2 of 7 answered, 1 correct" in every [data-dl-progress=SLUG] element, counting only the
  // module's current questions (data-dl-ids, written by the build): answers to questions since
  // renamed or removed stay stored but do not count.
  function showProgress() {
    const data = load();
    for (const el of document.querySelectorAll("[data-dl-progress]")) {
      const ids = (el.dataset.dlIds || "").split(" ").filter((id) => NAME.test(id));
      const stored = questionsOf(data, el.dataset.dlProgress);
      const answered = ids.filter((id) => own(stored, id));
      if (!answered.length) {
        el.textContent = el.dataset.dlEmpty || "";
        el.classList.remove("dl-progress-done");
        continue;
      }
      const right = answered.filter((id) => stored[id].correct).length;
      el.textContent = `${answered.length} of ${ids.length} answered, ${right} correct`;
      el.classList.toggle("dl-progress-done", right === ids.length);
    }
    for (const note of document.querySelectorAll(".dl-foreign")) note.hidden = !data.foreign;
  }

  function record(form, correct) {
    const data = load();
    if (data.foreign) return; // not ours to overwrite
    const slug = form.dataset.dlQuiz;
    const m = own(data.modules, slug) ? data.modules[slug] : { total: 0, questions: dict() };
    const id = form.dataset.dlQ;
    const before = own(m.questions, id) ? m.questions[id] : { correct: false, tries: 0 };
    m.total = count(Number(form.dataset.dlTotal));
    m.questions[id] = { correct: before.correct || correct, tries: before.tries + 1 };
    data.modules[slug] = m;
    save(data);
    showProgress();
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // Copies of the (already escaped) server-rendered notes, explanation and review link.
  const copy = (node) => (node ? node.cloneNode(true) : null);

  function grade(form) {
    const feedback = form.querySelector(".dl-q-feedback");
    const inputs = [...form.querySelectorAll("fieldset input")];
    const parts = [];
    let correct;
    let chosen = [];
    if (form.dataset.dlKind === "numeric") {
      const value = inputs[0].valueAsNumber;
      if (inputs[0].value.trim() === "" || Number.isNaN(value)) {
        feedback.replaceChildren(el("p", "dl-verdict", "Type a number first."));
        return;
      }
      const answer = Number(form.dataset.dlAnswer);
      const tolerance = Number(form.dataset.dlTolerance);
      correct = Math.abs(value - answer) <= tolerance + 1e-9 * Math.max(1, Math.abs(answer));
    } else {
      chosen = inputs.filter((i) => i.checked).map((i) => i.value);
      if (!chosen.length) {
        feedback.replaceChildren(el("p", "dl-verdict", "Choose an answer first."));
        return;
      }
      const key = form.dataset.dlKey.split(",");
      correct = chosen.length === key.length && chosen.every((v) => key.includes(v));
    }
    for (const input of inputs) {
      const box = input.closest(".dl-choice");
      if (!box) continue;
      box.classList.toggle("dl-right", input.checked && correct);
      box.classList.toggle("dl-wrong", input.checked && !correct);
    }
    const verdict = el("p", "dl-verdict");
    verdict.append(el("span", "dl-icon", correct ? "✓" : "✗"), correct ? " Correct." : " Not quite.");
    verdict.firstChild.setAttribute("aria-hidden", "true");
    parts.push(verdict);
    for (const value of chosen) {
      const note = form.querySelector(`[data-dl-choice="${value}"] .dl-q-note`);
      if (note) parts.push(el("p", "dl-note", note.textContent));
    }
    // A wrong true/false answer leaves nothing to try: it is explained at once, as a right one.
    const settled = correct || form.dataset.dlKind === "true-false";
    if (settled) {
      parts.push(copy(form.querySelector(".dl-q-explanation")));
    } else {
      parts.push(el("p", "dl-hint", "Try again, or open “Show the answer” below."));
    }
    if (!correct) parts.push(copy(form.querySelector(".dl-q-review")));
    feedback.className = `dl-q-feedback ${correct ? "dl-correct" : "dl-incorrect"}`;
    feedback.replaceChildren(...parts.filter(Boolean));
    form.querySelector(".dl-again").hidden = false;
    record(form, correct);
  }

  function reset(form) {
    for (const input of form.querySelectorAll("fieldset input")) {
      input.checked = false;
      if (input.type === "number") input.value = "";
      const box = input.closest(".dl-choice");
      if (box) box.classList.remove("dl-right", "dl-wrong");
    }
    const feedback = form.querySelector(".dl-q-feedback");
    feedback.className = "dl-q-feedback";
    feedback.replaceChildren();
    form.querySelector(".dl-again").hidden = true;
    form.querySelector("fieldset input").focus();
  }

  function enhance(form) {
    const actions = form.querySelector(".dl-q-actions");
    const check = el("button", "dl-button dl-check", "Check");
    check.type = "submit";
    const again = el("button", "dl-button dl-again", "Try again");
    again.type = "button";
    again.hidden = true;
    actions.append(check, again);
    const stored = questionsOf(load(), form.dataset.dlQuiz);
    const before = own(stored, form.dataset.dlQ) ? stored[form.dataset.dlQ] : null;
    if (before) {
      actions.append(
        el("span", "dl-q-before", before.correct ? "You answered this correctly before." : "Tried before."),
      );
    }
    actions.hidden = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      grade(form);
    });
    again.addEventListener("click", () => reset(form));
  }

  function init() {
    document.querySelectorAll("form.dl-q").forEach(enhance);
    for (const row of document.querySelectorAll(".dl-reset-row")) {
      const status = row.querySelector(".dl-reset-status");
      row.querySelector(".dl-reset").addEventListener("click", () => {
        save(null);
        showProgress();
        status.textContent = "Your quiz progress has been reset.";
      });
      row.hidden = false;
    }
    showProgress();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
