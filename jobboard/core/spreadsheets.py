"""Cells for CSV files that spreadsheets open."""

from __future__ import annotations

import re

_FORMULA = re.compile(r"^[=+\-@\t\r]")


def csv_cell(value: object) -> str:
    """A spreadsheet would run a cell starting with = + - @ as a formula: prefix it."""
    text = "" if value is None else str(value)
    return "'" + text if _FORMULA.match(text) else text
