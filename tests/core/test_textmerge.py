from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tribune.core.textmerge import diff_is_empty, diff_text, merge_text, merge_value

BASE = "alpha\nbeta\ngamma\ndelta\nepsilon\n"


def test_clean_merge_of_edits_at_both_ends():
    current = BASE.replace("alpha", "ALPHA")
    yours = BASE.replace("epsilon", "EPSILON")
    result = merge_text(BASE, current, yours)
    assert result.clean
    assert result.text == "ALPHA\nbeta\ngamma\ndelta\nEPSILON\n"


def test_same_line_edits_conflict_and_keep_both_sides():
    result = merge_text(BASE, BASE.replace("gamma", "G1"), BASE.replace("gamma", "G2"))
    assert not result.clean
    [region] = result.conflicts
    assert (region.base, region.current, region.yours) == ("gamma\n", "G1\n", "G2\n")


def test_identical_edits_are_not_a_conflict():
    same = BASE.replace("beta", "BETA")
    assert merge_text(BASE, same, same).text == same


def test_crlf_from_browsers_does_not_conflict():
    current = BASE.replace("alpha", "ALPHA")
    yours = BASE.replace("epsilon", "EPSILON").replace("\n", "\r\n")
    assert merge_text(BASE, current, yours).clean


def test_one_line_fields_conflict_when_both_change():
    assert merge_value("t", "t1", "t2").conflicts
    assert merge_value("t", "t", "t2").text == "t2"
    assert merge_value("t", "t1", "t").text == "t1"


def test_word_level_diff_marks_only_the_changed_words():
    [line] = diff_text("the quick brown fox", "the slow brown fox")
    assert line.old == "the <del>quick</del> brown fox"
    assert line.new == "the <ins>slow</ins> brown fox"


def test_diff_escapes_html():
    lines = diff_text("<b>", "<script>alert(1)</script>")
    rendered = "".join(line.new for line in lines)
    assert "<script" not in rendered
    assert "&lt;" in rendered and "&gt;" in rendered


lines = st.lists(st.sampled_from(["a", "b", "c", "d", "e", ""]), max_size=8).map(
    lambda ls: "".join(f"{x}\n" for x in ls)
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(base=lines, yours=lines)
def test_merging_onto_an_unchanged_text_gives_your_text(base, yours):
    assert merge_text(base, base, yours).text == yours
    assert merge_text(base, yours, base).text == yours


@settings(max_examples=300, derandomize=True, deadline=None)
@given(old=lines, new=lines)
def test_a_diff_is_empty_exactly_when_the_texts_match(old, new):
    assert diff_is_empty(diff_text(old, new)) == (old == new)
