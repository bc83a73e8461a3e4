"""Small inline SVG charts drawn from numbers the engine computed (geometry only)."""

from __future__ import annotations

from dataclasses import dataclass

from reporting.school_view import Movement
from service.pages.adapters import StandardHistory

__all__ = ["HistoryChart", "history_chart", "TrendChart", "band_trend_chart"]

BAND_FILL = {"red": "#fbe3e1", "yellow": "#fdf3cf", "green": "#dff3e4", "blue": "#dde9fb"}


@dataclass(frozen=True)
class HistoryChart:
    width: int
    height: int
    bands: list[dict]  # {y, h, band, label_y}
    points: list[dict]  # {x, y, lo, hi, band, correct, n, theta, se, p}
    path: str
    checks: list[dict]  # {x, label}
    ticks: list[dict]  # {y, label}
    plot_left: int
    plot_right: int
    summary: str


def history_chart(
    history: StandardHistory, *, width: int = 560, height: int = 170, lo: float = -3.0, hi: float = 3.0
) -> HistoryChart:
    """Estimate after each answer, check after check, over the band regions of the standard."""
    left, right, top, bottom = 40, width - 64, 18, height - 24
    pts = [(c, p) for c in history.checks for p in c.points]
    n = max(len(pts), 1)

    def y_of(theta: float) -> float:
        t = min(max(theta, lo), hi)
        return bottom - (t - lo) / (hi - lo) * (bottom - top)

    def x_of(k: int) -> float:
        return left + (k + 0.5) * (right - left) / n

    edges = [lo, *[c for c in history.cuts if lo < c < hi], hi]
    labels = list(history.labels)
    bands = []
    for k in range(len(edges) - 1):
        y0, y1 = y_of(edges[k + 1]), y_of(edges[k])
        band = labels[k] if k < len(labels) else labels[-1]
        bands.append(
            {
                "y": round(y0, 1),
                "h": round(y1 - y0, 1),
                "band": band,
                "fill": BAND_FILL.get(band, "#eee"),
                "label_y": round((y0 + y1) / 2 + 4, 1),
            }
        )
    points, checks = [], []
    seen = None
    for k, (c, p) in enumerate(pts):
        if c is not seen:
            checks.append(
                {"x": round(x_of(k) - (right - left) / n / 2, 1), "label": c.check.started_at.strftime("%-d %b")}
            )
            seen = c
        points.append(
            {
                "x": round(x_of(k), 1),
                "y": round(y_of(p.theta), 1),
                "lo": round(y_of(p.theta - p.se), 1),
                "hi": round(y_of(p.theta + p.se), 1),
                "band": p.band,
                "correct": p.correct,
                "n": p.n,
                "theta": p.theta,
                "se": p.se,
                "p": p.p_mastery,
            }
        )
    path = " ".join(f"{'M' if k == 0 else 'L'}{q['x']},{q['y']}" for k, q in enumerate(points))
    ticks = [{"y": round(y_of(t), 1), "label": f"{t:+.0f}" if t else "0"} for t in (-3, -2, -1, 0, 1, 2, 3)]
    last = pts[-1][1] if pts else None
    summary = f"{history.standard.code}: {len(history.checks)} check(s), {len(pts)} answers; " + (
        f"latest estimate {last.theta:.2f} ± {last.se:.2f}, band {last.band}, P(mastery) {last.p_mastery:.2f}"
        if last
        else "no answers"
    )
    return HistoryChart(width, height, bands, points, path, checks, ticks, left, right, summary)


@dataclass(frozen=True)
class TrendChart:
    """The share of results in each band at each day, as one line a band with its name written at its end."""

    width: int
    height: int
    lines: list[dict]  # {band, path, points: [{x, y, share, day}], label, label_y}
    days: list[dict]  # {x, label}: the first and the last day
    summary: str


def band_trend_chart(movement: Movement, *, width: int = 260, height: int = 90) -> TrendChart:
    """Each band's share of the results over the term, from :class:`reporting.school_view.Movement`.

    A band appears when it held any result on one of the days; each line ends
    in its band's name and latest share, so the colour is never the only cue.
    """
    left, right, top, bottom = 6, width - 78, 8, height - 18
    first, last = movement.days[0], movement.days[-1]
    span = max((last - first).total_seconds(), 1.0)

    def x_of(day) -> float:
        return round(left + (day - first).total_seconds() / span * (right - left), 1)

    def y_of(share: float) -> float:
        return round(bottom - share * (bottom - top), 1)

    lines = []
    for band in ("red", "yellow", "green", "blue"):
        if not any(b.counts.get(band, 0) for b in movement.at):
            continue
        points = [
            {"x": x_of(day), "y": y_of(b.share(band)), "share": b.share(band), "day": day}
            for day, b in zip(movement.days, movement.at)
        ]
        path = " ".join(f"{'M' if k == 0 else 'L'}{p['x']},{p['y']}" for k, p in enumerate(points))
        lines.append({"band": band, "path": path, "points": points, "label": f"{band} {points[-1]['share']:.0%}"})
    # labels at the lines' ends, spread so that they never overlap
    placed: list[float] = []
    for line in sorted(lines, key=lambda ln: ln["points"][-1]["y"]):
        y = max(line["points"][-1]["y"] + 4, (placed[-1] + 11) if placed else top + 4)
        placed.append(y)
        line["label_y"] = round(y, 1)
    days = [{"x": x_of(first), "label": first.strftime("%-d %b")}, {"x": x_of(last), "label": last.strftime("%-d %b")}]
    summary = "; ".join(
        f"{ln['band']} from {ln['points'][0]['share']:.0%} to {ln['points'][-1]['share']:.0%}" for ln in lines
    )
    return TrendChart(width, height, lines, days, summary)
