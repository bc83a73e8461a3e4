"""The tables and graphs an item's stem shows: an HTML table in the stem, a graph as an SVG file of the item.

The stem HTML uses only what the bank's sanitizer keeps (``p``, ``table``,
``caption``, ``th`` with ``scope``, ``figure``, ``img`` with a relative
``src`` and ``alt``: :func:`interop.qti.body.sanitize`); a graph is drawn
as an SVG file stored with the item (an item asset, served under
``/assets/items/<item>/graph.svg``) because inline SVG is not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

__all__ = ["Table", "LineGraph", "Figure", "stem_html", "GRAPH_FILE"]

#: The file name of an item's graph among its assets.
GRAPH_FILE = "graph.svg"


@dataclass(frozen=True)
class Table:
    """A table of values: a header row, then rows; the first column names each row."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def html(self) -> str:
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in self.header)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in self.rows)
        return f"<table><caption>{escape(self.caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@dataclass(frozen=True)
class LineGraph:
    """A line through the origin on a coordinate grid, with its marked points labelled.

    Attributes
    ----------
    x_label, y_label : str
    points : tuple of (float, float)
        The marked points (on the line).
    x_max, y_max : float
        The axes' ends.
    """

    x_label: str
    y_label: str
    points: tuple[tuple[float, float], ...]
    x_max: float
    y_max: float

    def description(self) -> str:
        """The graph in words (the image's alternative text)."""
        marked = ", ".join(f"({_num(x)}, {_num(y)})" for x, y in self.points)
        return (
            f"A straight line through the origin on a grid of {self.y_label} against {self.x_label}, through {marked}."
        )

    def svg(self) -> bytes:
        """The graph as a standalone SVG document."""
        w, h, left, bottom, top, right = 360, 260, 56, 44, 14, 16
        pw, ph = w - left - right, h - top - bottom

        def px(x: float) -> float:
            return left + pw * x / self.x_max

        def py(y: float) -> float:
            return top + ph * (1 - y / self.y_max)

        x_ticks, y_ticks = _ticks(self.x_max), _ticks(self.y_max)
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
            'font-family="sans-serif" font-size="11">',
            f'<rect x="0" y="0" width="{w}" height="{h}" fill="white"/>',
        ]
        for t in x_ticks:
            parts.append(f'<line x1="{px(t):.1f}" y1="{top}" x2="{px(t):.1f}" y2="{top + ph}" stroke="#ddd"/>')
            parts.append(f'<text x="{px(t):.1f}" y="{top + ph + 14}" text-anchor="middle">{_num(t)}</text>')
        for t in y_ticks:
            parts.append(f'<line x1="{left}" y1="{py(t):.1f}" x2="{left + pw}" y2="{py(t):.1f}" stroke="#ddd"/>')
            parts.append(f'<text x="{left - 5}" y="{py(t) + 4:.1f}" text-anchor="end">{_num(t)}</text>')
        parts.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#222"/>')
        parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#222"/>')
        slope = self.points[0][1] / self.points[0][0]
        x_end = min(self.x_max, self.y_max / slope)
        parts.append(
            f'<line x1="{px(0):.1f}" y1="{py(0):.1f}" x2="{px(x_end):.1f}" y2="{py(slope * x_end):.1f}" '
            'stroke="#12355b" stroke-width="2"/>'
        )
        for x, y in self.points:
            parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="#12355b"/>')
            parts.append(f'<text x="{px(x) + 6:.1f}" y="{py(y) - 6:.1f}">({_num(x)}, {_num(y)})</text>')
        parts.append(f'<text x="{left + pw / 2:.1f}" y="{h - 6}" text-anchor="middle">{escape(self.x_label)}</text>')
        parts.append(
            f'<text transform="translate(14 {top + ph / 2:.1f}) rotate(-90)" text-anchor="middle">'
            f"{escape(self.y_label)}</text>"
        )
        parts.append("</svg>")
        return "\n".join(parts).encode()


Figure = Table | LineGraph


def _num(x: float) -> str:
    return f"{x:g}"


def _ticks(end: float) -> list[float]:
    """About five round tick values from 0 to ``end``."""
    raw = end / 5
    step = next(s for s in (1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500) if s >= raw)
    return [step * k for k in range(int(end // step) + 1)]


def stem_html(before: str, figure: Figure, after: str, item_code: str) -> str:
    """The stem as HTML: ``before``, the figure, ``after`` (texts, escaped here)."""
    if isinstance(figure, Table):
        shown = figure.html()
    else:
        shown = (
            f'<figure><img src="/assets/items/{escape(item_code)}/{GRAPH_FILE}" alt="{escape(figure.description())}" '
            'width="360" height="260"></figure>'
        )
    return f"<p>{escape(before)}</p>{shown}<p>{escape(after)}</p>"
