"""Merge a cell's printout into one output per stream, exactly as printed, in linear time.

How a kernel cuts a printout into messages depends on timing (when it flushes), so the outputs
of a cell are merged before they are cached: the page and the notebook then show what the code
printed, whatever the timing. MyST-NB's own merging (``nb_merge_streams``) strips every message
and adds a newline at each boundary, so a print split across two messages gains a line break no
code printed, and its ``\\r`` handling is quadratic in the length of a line; the book turns it off.
"""

from __future__ import annotations

from nbformat import NotebookNode

#: The text an output carries, by MIME type (images and widgets are not text a reader scrolls).
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex")


def terminal_text(text: str) -> str:
    """What a terminal shows for ``text``: a carriage return starts its line again (the text
    after the last one stays) and a backspace erases the character before it.

    >>> terminal_text("10%\\r50%\\r100%\\ndone\\n")
    '100%\\ndone\\n'
    >>> terminal_text("ab\\bc\\r\\n")
    'ac\\r\\n'
    >>> terminal_text("no control characters\\n")
    'no control characters\\n'
    """
    if "\r" not in text and "\b" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        body = line.rstrip("\r")
        end = line[len(body) :]  # a \r right before a newline (Windows line ends) stays
        body = body[body.rfind("\r") + 1 :]
        if "\b" in body:
            kept: list[str] = []
            for char in body:
                if char != "\b":
                    kept.append(char)
                elif kept:
                    kept.pop()
            body = "".join(kept)
        lines.append(body + end)
    return "\n".join(lines)


def merge_streams(outputs: list[NotebookNode]) -> list[NotebookNode]:
    """One ``stdout`` and then one ``stderr`` output for each run of stream outputs, their texts
    joined as printed (then :func:`terminal_text`); other outputs stay where they are.

    A kernel flushes its streams before it shows a figure or a result, so where a run of stream
    messages ends does not depend on timing; inside a run, stdout and stderr arrive in either
    order, so stdout comes first.

    >>> from nbformat.v4 import new_output
    >>> parts = [new_output("stream", name="stdout", text=t) for t in ("loss:", " 0.25\\n")]
    >>> [o.text for o in merge_streams(parts)]
    ['loss: 0.25\\n']
    >>> figure = new_output("display_data", data={"text/plain": "<Figure>"})
    >>> warn = new_output("stream", name="stderr", text="careful\\n")
    >>> merged = merge_streams([warn, *parts, figure, parts[0]])
    >>> [(o.output_type, o.get("name"), o.get("text"))
    ...  for o in merged]  # doctest: +NORMALIZE_WHITESPACE
    [('stream', 'stdout', 'loss: 0.25\\n'), ('stream', 'stderr', 'careful\\n'),
     ('display_data', None, None), ('stream', 'stdout', 'loss:')]
    """
    merged: list[NotebookNode] = []
    run: dict[str, list[str]] = {}

    def close_run() -> None:
        for name in ("stdout", "stderr"):
            if name in run:
                text = terminal_text("".join(run[name]))
                merged.append(NotebookNode(output_type="stream", name=name, text=text))
        run.clear()

    for output in outputs:
        if output.get("output_type") == "stream":
            run.setdefault(output.get("name", "stdout"), []).append(output.get("text", ""))
        else:
            close_run()
            merged.append(output)
    close_run()
    return merged


def output_size(outputs: list[NotebookNode]) -> int:
    """The number of characters of text a cell's outputs show (images not counted).

    >>> from nbformat.v4 import new_output
    >>> output_size([new_output("stream", name="stdout", text="abc"),
    ...              new_output("execute_result", data={"text/plain": "12"}, execution_count=1)])
    5
    """
    size = 0
    for output in outputs:
        if output.get("output_type") == "stream":
            size += len(output.get("text", ""))
        elif output.get("output_type") == "error":
            size += sum(len(line) for line in output.get("traceback", []))
        else:
            data = output.get("data", {})
            size += max((len(str(data[kind])) for kind in TEXT_TYPES if kind in data), default=0)
    return size
