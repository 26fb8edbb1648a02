"""What changed between the last approved version of a posting and the one under review."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str
    lines: list[tuple[str, str]]  # ("+"|"-"|" ", text) for multi-line fields


def changes(old: dict[str, object], new: dict[str, object]) -> list[FieldChange]:
    """The fields that differ, in the new version's order, then those only the old one has (a
    version in another language that was removed)."""
    result = []
    for name in [*new, *(name for name in old if name not in new)]:
        old_text, new_text = str(old.get(name, "") or ""), str(new.get(name, "") or "")
        if old_text == new_text:
            continue
        lines: list[tuple[str, str]] = []
        if "\n" in old_text or "\n" in new_text:
            for line in difflib.ndiff(old_text.splitlines(), new_text.splitlines()):
                if line[:1] in "+- ":
                    lines.append((line[:1], line[2:]))
        result.append(FieldChange(name, old_text, new_text, lines))
    return result
