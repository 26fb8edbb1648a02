"""The figures as tables: what a page shows beside its chart, and what its CSV file holds.

A cell holds a value, or says it is hidden (fewer people than ``privacy.MIN_PEOPLE``) or withheld
(hidden as well, so that a hidden one cannot be worked out from the total).
"""

from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass

from jobboard.core.spreadsheets import csv_cell

HIDDEN_MARK, WITHHELD_MARK = "<5", "—"


class Kind(enum.StrEnum):
    TEXT = "text"
    COUNT = "count"
    PERCENT = "percent"  # 0 to 100
    DAYS = "days"
    MONTH = "month"  # a date: its month


@dataclass(frozen=True)
class Cell:
    value: object = None  # None: nothing to show (no such figure)
    hidden: bool = False
    withheld: bool = False

    @property
    def is_shown(self) -> bool:
        return not (self.hidden or self.withheld) and self.value is not None

    @property
    def number(self) -> float | None:
        """The value to draw or to compute with; None when it is not shown."""
        return float(self.value) if self.is_shown else None  # type: ignore[arg-type]


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: Kind


@dataclass(frozen=True)
class Table:
    name: str  # the CSV file's name, and the table's id on the page
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None

    def values(self, name: str) -> list[Cell]:
        index = next(i for i, column in enumerate(self.columns) if column.name == name)
        return [row[index] for row in self.rows]

    def series(self, name: str) -> list[tuple[str, Cell]]:
        """(the row's name, its cell in column ``name``) of every row: what a chart draws."""
        return [(str(row[0].value), cell) for row, cell in zip(self.rows, self.values(name), strict=True)]

    @property
    def has_protected_cells(self) -> bool:
        return any(cell.hidden or cell.withheld for row in (*self.rows, self.total or ()) for cell in row)


def mark(cell: Cell) -> str | None:
    """How a cell that shows no value says why."""
    if cell.hidden:
        return HIDDEN_MARK
    if cell.withheld:
        return WITHHELD_MARK
    return None


def _csv_value(cell: Cell, kind: Kind) -> str:
    if mark(cell) is not None:
        return mark(cell) or ""
    if cell.value is None:
        return ""
    if kind == Kind.PERCENT:
        return f"{cell.value:.1f}"
    if kind == Kind.DAYS:
        return f"{cell.value:g}"
    if kind == Kind.MONTH:
        return f"{cell.value:%Y-%m}"
    return csv_cell(cell.value)


def to_csv(table: Table, total_label: str) -> bytes:
    """The table as a CSV file (UTF-8 with a byte order mark, which spreadsheets need to read it
    as UTF-8), headed by the column labels; the total last."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(cell, column.kind) for cell, column in zip(row, table.columns, strict=True)])
    if table.total is not None:
        cells = [Cell(total_label), *table.total[1:]]
        writer.writerow([_csv_value(cell, column.kind) for cell, column in zip(cells, table.columns, strict=True)])
    return ("\ufeff" + buffer.getvalue()).encode()
