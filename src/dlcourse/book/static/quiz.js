/* dlcourse quizzes: check answers, show feedback, keep progress in localStorage.
   The HTML works without this script (answers in <details>); this only enhances it. */
(() => {
  "use strict";
  const KEY = "dlcourse-progress";
  const VERSION = 1;
  const NAME = /^[a-z0-9][a-z0-9-]*$/;
  const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const count = (v) => (Number.isInteger(v) && v > 0 ? v : 0);

  // Stored progress: {version: 1, modules: {slug: {total, questions: {id: {correct, tries}}}}}.
  // Anything else (corrupt, old version, odd keys) is dropped, never trusted.
  function load() {
    let raw = null;
    try {
      raw = localStorage.getItem(KEY);
    } catch (e) {
      return { version: VERSION, modules: {} };
    }
    const clean = { version: VERSION, modules: {} };
    if (raw === null) return clean;
    try {
      const data = JSON.parse(raw);
      if (!isObj(data) || data.version !== VERSION || !isObj(data.modules)) throw new Error();
      for (const [slug, m] of Object.entries(data.modules)) {
        if (!NAME.test(slug) || !isObj(m) || !isObj(m.questions)) continue;
        const questions = {};
        for (const [id, q] of Object.entries(m.questions)) {
          if (NAME.test(id) && isObj(q) && typeof q.correct === "boolean" && count(q.tries)) {
            questions[id] = { correct: q.correct, tries: q.tries };
          }
        }
        clean.modules[slug] = { total: count(m.total), questions };
      }
    } catch (e) {
      save(null);
    }
    return clean;
  }

  function save(data) {
    try {
      if (data) localStorage.setItem(KEY, JSON.stringify(data));
      else localStorage.removeItem(KEY);
    } catch (e) {
      /* storage full or disabled: the quiz still works, it just forgets */
    }
  }

  // "2 of 7 answered, 1 correct" in every [data-dl-progress=SLUG] element.
  function showProgress() {
    const modules = load().modules;
    for (const el of document.querySelectorAll("[data-dl-progress]")) {
      const m = modules[el.dataset.dlProgress];
      const qs = m ? Object.values(m.questions) : [];
      const total = count(Number(el.dataset.dlTotal)) || (m && m.total);
      if (!qs.length || !total) {
        el.textContent = el.dataset.dlEmpty || "";
        el.classList.remove("dl-progress-done");
        continue;
      }
      const right = qs.filter((q) => q.correct).length;
      el.textContent = `${Math.min(qs.length, total)} of ${total} answered, ${right} correct`;
      el.classList.toggle("dl-progress-done", right >= total);
    }
  }

  function record(form, correct) {
    const data = load();
    const slug = form.dataset.dlQuiz;
    const m = data.modules[slug] || { total: 0, questions: {} };
    const before = m.questions[form.dataset.dlQ] || { correct: false, tries: 0 };
    m.total = count(Number(form.dataset.dlTotal));
    m.questions[form.dataset.dlQ] = { correct: before.correct || correct, tries: before.tries + 1 };
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
    const before = (load().modules[form.dataset.dlQuiz] || { questions: {} }).questions[
      form.dataset.dlQ
    ];
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
