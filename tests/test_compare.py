"""The comparison of two builds names the first differing file and line."""

from __future__ import annotations

from dlcourse.book.compare import first_difference


def site(root, **files: str):
    root.mkdir()
    for name, text in files.items():
        (root / name.replace("_", ".")).write_text(text)
    return root


def test_a_line_that_only_grows_is_found(tmp_path):
    a = site(tmp_path / "a", page_txt="same\nabc\n")
    b = site(tmp_path / "b", page_txt="same\nabc, more\n")
    difference = first_difference(a, b)
    assert difference is not None and difference.startswith("page.txt:2: first difference")


def test_identical_sites_have_no_difference(tmp_path):
    a = site(tmp_path / "a", page_txt="same\n")
    b = site(tmp_path / "b", page_txt="same\n")
    assert first_difference(a, b) is None
