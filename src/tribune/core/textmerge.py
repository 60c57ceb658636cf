"""Three-way merge and readable diffs of wiki text.

Merging uses merge3 (Bazaar's and Breezy's merge): a save made from an old base
revision is merged with what landed meanwhile; overlapping changes are a
conflict, never a silent overwrite. Diffs are line-level with word-level marks
inside changed lines, as MediaWiki shows them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from merge3 import Merge3

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class ConflictRegion:
    base: str
    current: str
    yours: str


@dataclass
class FieldMerge:
    """The result of merging one field: its text, or the regions that conflict."""

    text: str
    conflicts: list[ConflictRegion] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _lines(text: str) -> list[str]:
    # Normalise line endings so that a browser's CRLF never conflicts with LF.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _unlines(lines: list[str], *, trailing_newline: bool) -> str:
    text = "".join(lines)
    if not trailing_newline and text.endswith("\n"):
        text = text[:-1]
    return text


def merge_text(base: str, current: str, yours: str) -> FieldMerge:
    """Merge `yours` (made from `base`) with `current` (what landed since)."""
    if yours in (current, base):
        return FieldMerge(current)
    if current == base:
        return FieldMerge(yours)
    trailing = yours.endswith("\n") or current.endswith("\n")
    merged: list[str] = []
    conflicts: list[ConflictRegion] = []
    for group in Merge3(_lines(base), _lines(current), _lines(yours)).merge_groups():
        if group[0] == "conflict":
            _kind, base_part, current_part, yours_part = group
            conflicts.append(
                ConflictRegion("".join(base_part), "".join(current_part), "".join(yours_part))
            )
            merged.extend(current_part)
        else:
            merged.extend(group[1])
    return FieldMerge(_unlines(merged, trailing_newline=trailing), conflicts)


def merge_value(base: str, current: str, yours: str) -> FieldMerge:
    """Merge a one-line field (a title, a URL): both changed it differently = conflict."""
    if yours in (current, base):
        return FieldMerge(current)
    if current == base:
        return FieldMerge(yours)
    return FieldMerge(current, [ConflictRegion(base, current, yours)])


def merge_fields(
    base: Mapping[str, str],
    current: Mapping[str, str],
    yours: Mapping[str, str],
    *,
    multiline: frozenset[str],
) -> dict[str, FieldMerge]:
    """Merge each field of a snapshot; `multiline` fields merge line by line."""
    result: dict[str, FieldMerge] = {}
    for name in yours:
        merge = merge_text if name in multiline else merge_value
        result[name] = merge(base.get(name, ""), current.get(name, ""), yours[name])
    return result


# --- Diffs ---------------------------------------------------------------


DiffOp = Literal["equal", "insert", "delete", "replace"]


@dataclass(frozen=True)
class DiffLine:
    op: DiffOp
    old: SafeString
    new: SafeString


def _words(old: str, new: str) -> tuple[SafeString, SafeString]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    old_out: list[str] = []
    new_out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            old_out.append(old_part)
            new_out.append(new_part)
            continue
        if i2 > i1:
            old_out.append(f"<del>{old_part}</del>")
        if j2 > j1:
            new_out.append(f"<ins>{new_part}</ins>")
    return mark_safe("".join(old_out)), mark_safe("".join(new_out))  # noqa: S308  # escaped above


def diff_text(old: str, new: str) -> list[DiffLine]:
    """Line-by-line diff with word-level <ins>/<del> marks inside changed lines."""
    a = old.replace("\r\n", "\n").split("\n")
    b = new.replace("\r\n", "\n").split("\n")
    out: list[DiffLine] = []
    empty = mark_safe("")  # a constant
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(DiffLine("equal", escape(line), escape(line)) for line in a[i1:i2])
        elif op == "delete":
            out.extend(
                DiffLine("delete", mark_safe(f"<del>{escape(line)}</del>"), empty)  # noqa: S308
                for line in a[i1:i2]
            )
        elif op == "insert":
            out.extend(
                DiffLine("insert", empty, mark_safe(f"<ins>{escape(line)}</ins>"))  # noqa: S308
                for line in b[j1:j2]
            )
        else:
            old_block, new_block = a[i1:i2], b[j1:j2]
            # Pair changed lines one to one so that small edits show word marks.
            for k in range(max(len(old_block), len(new_block))):
                o = old_block[k] if k < len(old_block) else None
                n = new_block[k] if k < len(new_block) else None
                if o is not None and n is not None:
                    old_html, new_html = _words(o, n)
                    out.append(DiffLine("replace", old_html, new_html))
                elif o is not None:
                    out.append(DiffLine("delete", mark_safe(f"<del>{escape(o)}</del>"), empty))  # noqa: S308
                elif n is not None:
                    out.append(DiffLine("insert", empty, mark_safe(f"<ins>{escape(n)}</ins>")))  # noqa: S308
    return out


def diff_is_empty(lines: list[DiffLine]) -> bool:
    return all(line.op == "equal" for line in lines)
