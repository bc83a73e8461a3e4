"""Plots of a calibration, drawn with matplotlib's object API.

Each function returns a :class:`matplotlib.figure.Figure` built directly
(never through ``pyplot``, whose global figure manager is not safe in the
threaded server, and no display is needed); :func:`to_svg` turns it into an
inline SVG string for the HTML report (text kept as text, so files stay
small) and :func:`save_png` writes a PNG for a quick look.

* :func:`observed_proportions` — students binned by ability estimate, the
  mean item score per bin (the dots over an item characteristic curve).
* :func:`icc_figure` — an item's expected score curve (and category curves
  for polytomous items) with the observed proportions overlaid.
* :func:`information_figure` — item and test information with the CSEM
  (one item's at the size of its curve).
* :func:`distractor_figure` — per option, the proportion choosing it in each
  ability group (the key drawn bold).
* :func:`ability_figure` — ability estimates against the latent density,
  and person fit.
* :func:`dif_figure` — an item's observed scores by group at equal ability.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from engine.analysis.classical import DistractorAnalysis
from engine.analysis.reliability import InformationCurves
from engine.irt.parameters import ItemParameters
from engine.irt.responses import ResponseMatrix

__all__ = [
    "ObservedProportions",
    "observed_proportions",
    "icc_figure",
    "information_figure",
    "distractor_figure",
    "ability_figure",
    "dif_figure",
    "to_svg",
    "save_png",
]

_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]


@dataclass(frozen=True)
class ObservedProportions:
    """Observed mean item scores by ability bin.

    Attributes
    ----------
    theta : ndarray, shape (B, J)
        Mean ability estimate of the bin's students who answered item j.
    proportion : ndarray, shape (B, J)
        Their mean score divided by the item's maximum (NaN for empty bins).
    n : ndarray of int, shape (B, J)
    """

    theta: np.ndarray
    proportion: np.ndarray
    n: np.ndarray


def observed_proportions(
    responses: ResponseMatrix, theta: ArrayLike, max_scores: ArrayLike, n_bins: int = 10
) -> ObservedProportions:
    """Bin students into ``n_bins`` equal-count groups by ``theta``; mean score per bin and item.

    Parameters
    ----------
    responses : ResponseMatrix
    theta : array_like, shape (N,)
    max_scores : array_like, shape (J,)
        K - 1 of each item.
    n_bins : int

    Returns
    -------
    ObservedProportions
    """
    t = np.asarray(theta, dtype=float)
    order = np.argsort(t, kind="stable")
    rank = np.empty(len(t), dtype=int)
    rank[order] = np.arange(len(t))
    bins = rank * n_bins // max(len(t), 1)
    j = responses.n_items
    idx = bins[responses.student] * j + responses.item
    size = n_bins * j
    n = np.bincount(idx, minlength=size).reshape(n_bins, j)
    s = np.bincount(idx, responses.score, size).reshape(n_bins, j)
    th = np.bincount(idx, t[responses.student], size).reshape(n_bins, j)
    with np.errstate(invalid="ignore", divide="ignore"):
        prop = s / n / np.asarray(max_scores, dtype=float)[None, :]
        mean_t = th / n
    return ObservedProportions(mean_t, prop, n)


def _figure(width: float = 3.4, height: float = 2.5) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100)
    fig.patch.set_facecolor("white")
    return fig


def _style(ax: Axes, xlabel: str, ylabel: str) -> None:
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, color="#e5e5e5", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def icc_figure(
    params: ItemParameters,
    j: int,
    observed: ObservedProportions | None = None,
    *,
    theta: ArrayLike | None = None,
    title: str | None = None,
) -> Figure:
    """Expected score curve of item ``j`` (scaled to 0-1) with observed bin means.

    Polytomous items also show their category probability curves (thin).
    Dot areas grow with the number of students in the bin.
    """
    t = np.linspace(-4, 4, 161) if theta is None else np.asarray(theta, dtype=float)
    k = int(params.n_categories[j])
    probs = params.category_probabilities(t)[:, j, :k]
    expected = probs @ np.arange(k) / (k - 1)
    fig = _figure()
    ax = fig.add_subplot(111)
    if k > 2:
        for c in range(k):
            ax.plot(t, probs[:, c], color=_COLORS[(c + 2) % len(_COLORS)], linewidth=0.8, alpha=0.6, label=f"P(x={c})")
    ax.plot(t, expected, color=_COLORS[0], linewidth=2.0, label="model" if k == 2 else "E[x]/max")
    if observed is not None:
        ok = np.isfinite(observed.proportion[:, j]) & (observed.n[:, j] > 0)
        if ok.any():
            sizes = 8 + 40 * observed.n[ok, j] / observed.n[ok, j].max()
            ax.scatter(
                observed.theta[ok, j],
                observed.proportion[ok, j],
                s=sizes,
                color="black",
                zorder=3,
                label="observed",
                edgecolors="white",
                linewidths=0.5,
            )
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlim(t[0], t[-1])
    _style(ax, "ability (theta)", "P(correct)" if k == 2 else "probability / mean score")
    ax.legend(fontsize=6, frameon=False, loc="upper left" if k == 2 else "best")
    ax.set_title(title or str(params.item_ids[j]), fontsize=9)
    fig.tight_layout(pad=0.4)
    return fig


def information_figure(
    curves: InformationCurves, *, title: str = "Information and CSEM", item_curves: bool = True
) -> Figure:
    """Item information (thin), test information (bold) and CSEM (dashed, right axis).

    Curves of one item are drawn as that item's information, at the size and
    with the type sizes of :func:`icc_figure`, so the two sit side by side on
    an item's page; ``item_curves=False`` leaves out the thin per-item curves
    of a bank (a smaller figure).
    """
    one_item = curves.item_information.shape[1] == 1
    fig = _figure() if one_item else _figure(6.4, 3.4)
    ax = fig.add_subplot(111)
    if item_curves and not one_item:
        for j in range(curves.item_information.shape[1]):
            ax.plot(curves.theta, curves.item_information[:, j], color="#9ecae1", linewidth=0.7)
    label = "item information" if one_item else "test information"
    ax.plot(curves.theta, curves.test_information, color=_COLORS[0], linewidth=2.0 if one_item else 2.2, label=label)
    _style(ax, "ability (theta)", "information")
    right = ax.twinx()
    csem = np.where(np.isfinite(curves.csem), curves.csem, np.nan)
    right.plot(curves.theta, csem, color=_COLORS[1], linewidth=1.6, linestyle="--", label="CSEM")
    right.set_ylabel("conditional SEM", fontsize=8, color=_COLORS[1])
    right.tick_params(labelsize=7, colors=_COLORS[1])
    top = np.nanmax(csem) if np.any(np.isfinite(csem)) else 1.0
    right.set_ylim(0, min(top * 1.05, 3.0))
    right.spines["top"].set_visible(False)
    lines = ax.get_lines()[-1:] + right.get_lines()
    legend_size, title_size = (6, 9) if one_item else (7, 10)
    ax.legend(lines, [str(ln.get_label()) for ln in lines], fontsize=legend_size, frameon=False, loc="upper right")
    ax.set_title(title, fontsize=title_size)
    fig.tight_layout(pad=0.4 if one_item else 0.5)
    return fig


def distractor_figure(analysis: DistractorAnalysis, j: int, *, title: str | None = None) -> Figure:
    """Proportion choosing each option by ability group; the key bold, a suspect option marked."""
    fig = _figure()
    ax = fig.add_subplot(111)
    groups = np.arange(1, analysis.group_size.size + 1)
    for o, opt in enumerate(analysis.options.tolist()):
        is_key = opt == analysis.key[j]
        suspect = analysis.miskey[j] and opt == analysis.suspect_option[j]
        ax.plot(
            groups,
            analysis.group_proportion[j, o],
            marker="o",
            markersize=3,
            linewidth=2.4 if is_key else 1.0,
            color=_COLORS[o % len(_COLORS)],
            linestyle="-" if is_key or suspect else ":",
            label=f"{opt}{' (key)' if is_key else ''}{' suspect' if suspect else ''}",
        )
    ax.set_xticks(groups)
    ax.set_xticklabels(["low"] + [str(g) for g in groups[1:-1]] + ["high"])
    ax.set_ylim(-0.02, 1.02)
    _style(ax, "ability group (total score)", "proportion choosing")
    ax.legend(fontsize=6, frameon=False, ncol=2, loc="best")
    flag = "  POSSIBLE MISKEY" if analysis.miskey[j] else ""
    ax.set_title((title or str(analysis.item_ids[j])) + flag, fontsize=9, color="#b30000" if flag else "black")
    fig.tight_layout(pad=0.4)
    return fig


def ability_figure(
    theta: ArrayLike, lz: ArrayLike | None = None, *, latent_mean: float = 0.0, latent_sd: float = 1.0
) -> Figure:
    """Histogram of ability estimates with the latent normal density; lz histogram beside it.

    Parameters
    ----------
    theta : array_like, shape (N,)
        EAP estimates.
    lz : array_like, shape (N,), optional
        Person-fit values; drawn in a second panel with the 5 % cut -1.645.
    """
    t = np.asarray(theta, dtype=float)
    t = t[np.isfinite(t)]
    fig = _figure(6.4 if lz is not None else 3.4, 2.6)
    ax = fig.add_subplot(1, 2 if lz is not None else 1, 1)
    ax.hist(t, bins=30, density=True, color="#9ecae1", edgecolor="white")
    grid = np.linspace(min(t.min(), latent_mean - 4 * latent_sd), max(t.max(), latent_mean + 4 * latent_sd), 200)
    dens = np.exp(-0.5 * ((grid - latent_mean) / latent_sd) ** 2) / (latent_sd * np.sqrt(2 * np.pi))
    ax.plot(grid, dens, color=_COLORS[0], linewidth=1.6, label=f"N({latent_mean:g}, {latent_sd:g}²)")
    _style(ax, "EAP ability estimate", "density")
    ax.legend(fontsize=6, frameon=False)
    ax.set_title("Ability estimates", fontsize=9)
    if lz is not None:
        z = np.asarray(lz, dtype=float)
        z = z[np.isfinite(z)]
        ax2 = fig.add_subplot(1, 2, 2)
        ax2.hist(z, bins=30, color="#bcbddc", edgecolor="white")
        ax2.axvline(
            -1.645, color=_COLORS[1], linestyle="--", linewidth=1.2, label=f"-1.645: {np.mean(z < -1.645):.1%} below"
        )
        _style(ax2, "person fit lz", "students")
        ax2.legend(fontsize=6, frameon=False)
        ax2.set_title("Person fit", fontsize=9)
    fig.tight_layout(pad=0.5)
    return fig


def dif_figure(
    params: ItemParameters,
    j: int,
    responses: ResponseMatrix,
    theta: ArrayLike,
    groups: ArrayLike,
    reference: str,
    focal: str,
    *,
    n_bins: int = 8,
    title: str | None = None,
) -> Figure:
    """Observed mean score of item ``j`` by ability bin, one line per group, over the model curve.

    Bins are equal-count groups of the pooled EAP estimates; a gap between
    the two lines at equal ability is what DIF looks like.
    """
    t = np.asarray(theta, dtype=float)
    g = np.asarray(groups, dtype=object).astype(str)
    k = int(params.n_categories[j])
    order = np.argsort(t, kind="stable")
    rank = np.empty(len(t), dtype=int)
    rank[order] = np.arange(len(t))
    bins = rank * n_bins // max(len(t), 1)
    sel = responses.item == j
    s, y = responses.student[sel], responses.score[sel].astype(float) / (k - 1)
    fig = _figure()
    ax = fig.add_subplot(111)
    grid = np.linspace(-4, 4, 161)
    ax.plot(
        grid,
        params.category_probabilities(grid)[:, j, :k] @ np.arange(k) / (k - 1),
        color="#999999",
        linewidth=1.4,
        label="model (pooled)",
    )
    for label, color, marker in ((reference, _COLORS[0], "o"), (focal, _COLORS[1], "s")):
        m = g[s] == label
        n = np.bincount(bins[s[m]], minlength=n_bins)
        mean_y = np.bincount(bins[s[m]], y[m], n_bins)
        mean_t = np.bincount(bins[s[m]], t[s[m]], n_bins)
        ok = n > 0
        ax.plot(
            mean_t[ok] / n[ok],
            mean_y[ok] / n[ok],
            marker=marker,
            markersize=4,
            color=color,
            linewidth=1.2,
            label=f"{label} (n={int(n.sum())})",
        )
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlim(-4, 4)
    _style(ax, "ability (theta)", "P(correct)" if k == 2 else "mean score / max")
    ax.legend(fontsize=6, frameon=False, loc="upper left")
    ax.set_title(title or f"{params.item_ids[j]}: by group", fontsize=9)
    fig.tight_layout(pad=0.4)
    return fig


#: matplotlib's SVG settings are process-wide rcParams, so one SVG is written at a time
_SVG_LOCK = threading.Lock()


def to_svg(fig: Figure) -> str:
    """Inline SVG text of a figure, text kept as text and ids reproducible.

    Parameters
    ----------
    fig : Figure

    Returns
    -------
    str
        The ``<svg>`` element (no XML declaration), ready to inline in HTML.
    """
    buf = io.StringIO()
    with _SVG_LOCK, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "masterycat"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def save_png(fig: Figure, path: str | os.PathLike, dpi: int = 110) -> None:
    """Write a PNG of the figure.

    Parameters
    ----------
    fig : Figure
    path : str or os.PathLike
    dpi : int
    """
    fig.savefig(path, format="png", dpi=dpi)
