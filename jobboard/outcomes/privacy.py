"""The small-numbers rule of figures that cross employers: no cell shows fewer than
``MIN_PEOPLE`` people (none at all included), and where a column adds up to a total, one hidden
cell on its own is joined by a second, the smallest shown, so that it cannot be worked out by
subtraction. A figure drawn from a hidden count (a rate, a median) is hidden with it. The
dashboards show no names or addresses of people.

An employer's own figures are its own applicants, whom it already knows by name: they are not
hidden.
"""

from __future__ import annotations

from collections.abc import Sequence

from jobboard.outcomes.tables import Cell

MIN_PEOPLE = 5


def count(people: int, *, protected: bool) -> Cell:
    """A number of people; a hidden one keeps no value, so that nothing can show it by mistake."""
    if protected and people < MIN_PEOPLE:
        return Cell(hidden=True)
    return Cell(people)


def with_total(cells: Sequence[Cell], total: Cell) -> list[Cell]:
    """A column whose cells add up to ``total``: a lone hidden cell is joined by the smallest shown."""
    hidden = [cell for cell in cells if cell.hidden]
    shown = [i for i, cell in enumerate(cells) if cell.is_shown]
    result = list(cells)
    if len(hidden) == 1 and total.is_shown and shown:
        smallest = min(shown, key=lambda i: int(cells[i].value))  # type: ignore[call-overload]
        result[smallest] = Cell(withheld=True)
    return result


def derived(value: float | None, *sources: Cell) -> Cell:
    """A rate or a difference of counts: hidden where one of the counts is not shown."""
    if any(source.hidden or source.withheld for source in sources):
        return Cell(hidden=True)
    return Cell(value)


def median(value: float | None, pairs: int, *, protected: bool) -> Cell:
    """A median of fewer than ``MIN_PEOPLE`` people's intervals is nearly one person's own."""
    if value is None:
        return Cell()
    if protected and pairs < MIN_PEOPLE:
        return Cell(hidden=True)
    return Cell(value)
