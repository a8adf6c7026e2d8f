"""Probe series drawn in the terminal with braille dots: no colour needed to read them.

A cell holds 2x4 dots. Several series on the same axes share a canvas; the second and later
series are drawn dashed so they stay apart on a monochrome terminal.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from probes.result import Series

BRAILLE_BASE = 0x2800
# Bit of each dot, indexed [column][row] inside a 2x4 cell.
_DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
MARKERS = ("━", "┅", "┄", "╌")


@dataclass(frozen=True)
class Plot:
    """The drawn lines and, for each cell, the index of the series that drew it (-1: none)."""

    lines: list[str]
    owners: list[list[int]]
    legend: str


def finite_points(series: Series) -> list[tuple[float, float]]:
    points = []
    for x, y in zip(series.x, series.y, strict=False):
        if series.log_x and x <= 0:
            continue
        if math.isfinite(x) and math.isfinite(y):
            points.append((math.log10(x) if series.log_x else x, y))
    return points


def axis_number(value: float) -> str:
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-2):
        return f"{value:.0e}"
    return f"{value:.3g}"


def plot(series: list[Series], width: int, height: int) -> Plot:
    """Draw ``series`` on one pair of axes in ``width`` x ``height`` cells, labels included."""
    curves = [finite_points(s) for s in series]
    points = [p for curve in curves for p in curve]
    first = series[0]
    if not points:
        return Plot([f"{first.name}: no finite values to draw"], [[]], "")
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    y_top, y_bottom = axis_number(max(ys)), axis_number(min(ys))
    margin = max(len(y_top), len(y_bottom)) + 1
    columns = max(width - margin, 4)
    rows = max(height - 2, 2)
    canvas = _Canvas(columns, rows, (min(xs), max(xs)), (min(ys), max(ys)))
    for index, curve in enumerate(curves):
        canvas.draw(curve, index, dashed=index > 0)
    lines, owners = canvas.render()
    labelled = []
    for row, line in enumerate(lines):
        label = y_top if row == 0 else y_bottom if row == rows - 1 else ""
        labelled.append(label.rjust(margin - 1) + ("┤" if label else "│") + line)
    owners = [[-1] * margin + row for row in owners]
    x_left, x_right = _x_label(min(xs), first.log_x), _x_label(max(xs), first.log_x)
    gap = max(columns - len(x_left) - len(x_right), 1)
    labelled.append(" " * margin + x_left + " " * gap + x_right)
    owners.append([-1] * len(labelled[-1]))
    axis = f"{first.x_label}{' (log)' if first.log_x else ''}"
    labelled.append(" " * margin + f"{first.y_label} against {axis}"[:columns])
    owners.append([-1] * len(labelled[-1]))
    legend = "  ".join(f"{MARKERS[i % len(MARKERS)]} {s.name}" for i, s in enumerate(series))
    return Plot(labelled, owners, legend)


def _x_label(value: float, log_x: bool) -> str:
    return axis_number(10**value if log_x else value)


def group_by_axes(series: list[Series]) -> list[list[Series]]:
    """Series that share their axes go on one plot (train and valid loss, say)."""
    groups: dict[tuple[str, str, bool], list[Series]] = {}
    for item in series:
        groups.setdefault((item.x_label, item.y_label, item.log_x), []).append(item)
    return list(groups.values())


class _Canvas:
    def __init__(
        self, columns: int, rows: int, x_range: tuple[float, float], y_range: tuple[float, float]
    ) -> None:
        self.columns, self.rows = columns, rows
        self.x_range, self.y_range = x_range, y_range
        self.bits = [[0] * columns for _ in range(rows)]
        self.owner = [[-1] * columns for _ in range(rows)]

    def draw(self, curve: list[tuple[float, float]], index: int, dashed: bool) -> None:
        dots = [self._dot(x, y) for x, y in curve]
        for start, end in itertools.pairwise(dots):
            for step, (dx, dy) in enumerate(_segment(start, end)):
                if not dashed or step % 4 < 2:
                    self._set(dx, dy, index)
        for dx, dy in dots:
            self._set(dx, dy, index)

    def _dot(self, x: float, y: float) -> tuple[int, int]:
        width, height = self.columns * 2 - 1, self.rows * 4 - 1
        return (
            round(_scale(x, self.x_range) * width),
            height - round(_scale(y, self.y_range) * height),
        )

    def _set(self, dx: int, dy: int, index: int) -> None:
        column, row = dx // 2, dy // 4
        self.bits[row][column] |= _DOT_BITS[dx % 2][dy % 4]
        self.owner[row][column] = index

    def render(self) -> tuple[list[str], list[list[int]]]:
        lines = ["".join(chr(BRAILLE_BASE + bits) for bits in row) for row in self.bits]
        return lines, [list(row) for row in self.owner]


def _scale(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return 0.5 if high == low else (value - low) / (high - low)


def _segment(start: tuple[int, int], end: tuple[int, int]) -> list[tuple[int, int]]:
    """The dots on the straight line from ``start`` to ``end`` (Bresenham)."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    error = dx + dy
    dots = []
    while True:
        dots.append((x0, y0))
        if (x0, y0) == (x1, y1):
            return dots
        double = 2 * error
        if double >= dy:
            error += dy
            x0 += sx
        if double <= dx:
            error += dx
            y0 += sy
