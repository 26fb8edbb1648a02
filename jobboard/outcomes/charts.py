"""Charts drawn on the server as SVG: bars, a funnel, and a running total against a goal line.

Each is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``, drawn
with shapes and classes only (no script, no style attribute: the pages' Content-Security-Policy
allows neither; the colours are in ``static/css/app.css``), and shown beside the table that holds
its figures. A figure that is not shown (hidden by the small-numbers rule) is drawn as no bar and
labelled with the table's mark (``tables.mark``). On a right-to-left page the drawing is mirrored: it is laid out
left to right, then every x is taken from the right edge, while text keeps its anchors (with
``direction="rtl"`` an anchor's start is its right end).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from jobboard.i18n import number, when
from jobboard.outcomes.tables import Cell, mark

WIDTH = 640
ROW = 30


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _element(name: str, attributes: dict[str, object], *children: str | Markup) -> Markup:
    """An SVG element: every attribute value and every text child escaped (``Markup.format``), the
    elements among the children kept as they are."""
    attrs = Markup("").join(Markup(' {}="{}"').format(key, value) for key, value in attributes.items())
    return Markup("<{}{}>{}</{}>").format(name, attrs, Markup("").join(map(escape, children)), name)


class _Drawing:
    def __init__(self, height: float, rtl: bool) -> None:
        self.height = height
        self.rtl = rtl
        self.parts: list[Markup] = []

    def _x(self, x: float, width: float = 0) -> str:
        return _n(WIDTH - x - width if self.rtl else x)

    def rect(self, x: float, y: float, width: float, height: float, css: str) -> None:
        self.parts.append(
            _element(
                "rect", {"class": css, "x": self._x(x, width), "y": _n(y), "width": _n(width), "height": _n(height)}
            )
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, css: str) -> None:
        self.parts.append(
            _element("line", {"class": css, "x1": self._x(x1), "y1": _n(y1), "x2": self._x(x2), "y2": _n(y2)})
        )

    def polyline(self, points: Sequence[tuple[float, float]], css: str) -> None:
        if len(points) > 1:
            path = " ".join(f"{self._x(x)},{_n(y)}" for x, y in points)
            self.parts.append(_element("polyline", {"class": css, "points": path}))

    def circle(self, x: float, y: float, css: str) -> None:
        self.parts.append(_element("circle", {"class": css, "cx": self._x(x), "cy": _n(y), "r": "3.5"}))

    def text(self, x: float, y: float, content: str, css: str = "chart-text", anchor: str = "start") -> None:
        self.parts.append(_element("text", {"class": css, "x": self._x(x), "y": _n(y), "text-anchor": anchor}, content))

    def svg(self, chart_id: str, title: str, description: str) -> Markup:
        return _element(
            "svg",
            {
                "xmlns": "http://www.w3.org/2000/svg",
                "class": "chart",
                "viewBox": f"0 0 {WIDTH} {_n(self.height)}",
                "role": "img",
                "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
                "direction": "rtl" if self.rtl else "ltr",
                "id": chart_id,
            },
            _element("title", {"id": f"{chart_id}-title"}, title),
            _element("desc", {"id": f"{chart_id}-desc"}, description),
            *self.parts,
        )


def _shown(cell: Cell) -> str:
    return mark(cell) or ("" if cell.value is None else number(cell.value))  # type: ignore[arg-type]


def _shorter(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _widest(items: Sequence[tuple[str, Cell]]) -> float:
    return max([cell.number for _label, cell in items if cell.number] or [1.0])


def bars(chart_id: str, title: str, description: str, items: Sequence[tuple[str, Cell]], *, rtl: bool) -> Markup:
    """Horizontal bars, one per (label, cell)."""
    drawing = _Drawing(ROW * len(items) + 8, rtl)
    label_width, value_room = 240, 60
    scale = (WIDTH - label_width - value_room) / _widest(items)
    for index, (label, cell) in enumerate(items):
        y = 4 + index * ROW
        drawing.text(label_width - 8, y + 19, _shorter(label), anchor="end")
        width = (cell.number or 0) * scale
        if width:
            drawing.rect(label_width, y + 4, width, ROW - 8, "chart-bar")
        drawing.text(label_width + width + 6, y + 19, _shown(cell))
    return drawing.svg(chart_id, title, description)


def funnel(chart_id: str, title: str, description: str, steps: Sequence[tuple[str, Cell]], *, rtl: bool) -> Markup:
    """A bar per step, centred, narrowing as people drop out; each step named above its bar."""
    drawing = _Drawing(2 * ROW * len(steps) + 4, rtl)
    widest = _widest(steps)
    for index, (label, cell) in enumerate(steps):
        y = index * 2 * ROW
        drawing.text(0, y + 19, f"{label}: {_shown(cell)}")
        if cell.number:
            width = max(2.0, cell.number / widest * WIDTH)
            drawing.rect((WIDTH - width) / 2, y + 24, width, ROW - 4, "chart-bar")
    return drawing.svg(chart_id, title, description)


def running_total(
    chart_id: str,
    title: str,
    description: str,
    *,
    start: date,
    end: date,
    points: Sequence[tuple[date, int]],
    goal: Sequence[tuple[date, int]],
    legend: tuple[str, str],
    rtl: bool,
) -> Markup:
    """A running total (``points``) against a goal line, over the days from ``start`` to ``end``;
    ``legend`` names the total and the goal."""
    height, left, right, top, bottom = 320.0, 64.0, WIDTH - 32.0, 52.0, 286.0
    drawing = _Drawing(height, rtl)
    span = max((end - start).days, 1)
    highest = max([count for _day, count in (*points, *goal)] + [1])
    step = _tick_step(highest)
    top_value = -(-highest // step) * step

    def x(day: date) -> float:
        return left + (right - left) * (day - start).days / span

    def y(count: float) -> float:
        return bottom - (bottom - top) * count / top_value

    for tick in range(0, top_value + 1, step):
        drawing.line(left, y(tick), right, y(tick), "chart-grid")
        drawing.text(left - 6, y(tick) + 4, number(tick), anchor="end")
    for year in range(start.year + 1, end.year + 1):
        drawing.line(x(date(year, 1, 1)), top, x(date(year, 1, 1)), bottom, "chart-grid")
        drawing.text(x(date(year, 1, 1)), bottom + 22, when(date(year, 1, 1), "yyyy"), anchor="middle")
    drawing.polyline([(x(day), y(count)) for day, count in goal], "chart-goal")
    drawing.polyline([(x(day), y(count)) for day, count in points], "chart-line")
    for day, count in points:
        drawing.circle(x(day), y(count), "chart-point")
    total_name, goal_name = legend
    drawing.line(left, 14, left + 24, 14, "chart-line")
    drawing.text(left + 30, 19, total_name)
    drawing.line(left, 36, left + 24, 36, "chart-goal")
    drawing.text(left + 30, 41, goal_name)
    return drawing.svg(chart_id, title, description)


def _tick_step(highest: int) -> int:
    """A round step for about four to eight grid lines."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if highest / step <= 8:
            return step
    return 10_000
