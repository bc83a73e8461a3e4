"""How often each proficiency calculation method reports the wrong band.

Simulated learning trajectories with a known true ability on one standard
over a term: eight weekly assessments of five items each from a 40-item 2PL
standard (``engine.irt.simulation.simulate_bank``), chosen two ways:

* ``fixed``: at random, as a teacher's quizzes on the standard would be;
* ``adaptive``: the five items whose difficulty is nearest the student's
  ability that week (give or take N(0, 0.5)), as an adaptive check converges
  to, so a percent correct says little about how able the student is.

Four kinds of student, equally many:

* ``steady``: ability stays where it starts, ``N(-0.3, 1)``;
* ``relearns``: a jump of +1.5 at a random week (1..7), kept after
  (``simulate_learning``'s model: a student who relearns a standard);
* ``grows``: a steady climb of +1.5 over the term;
* ``drifts``: a random walk, 0.1 logits per sqrt(day).

Each assessment's percent score goes to Mastery Connect's methods
(:mod:`engine.mastery.proficiency`), whose reported level is the band of the
reported percent under the percent cuts 50 / 80.  masterycat's estimates
use the same answers on the IRT scale: ``irt (as stored)`` is the EAP from
the latest answer to each item, as :mod:`itembank.mastery_store` keeps it;
``irt growth filter`` is :func:`engine.mastery.growth.drift_filter` with the
drift estimated from the answers.  The truth is the band of the student's
true ability in the last week under the same cuts carried onto the theta
scale through the standard's test characteristic curve
(:func:`engine.mastery.bands.cuts_from_percent`), so a method that reported
exactly the expected percent now would never be wrong.

    .venv/bin/python -m benchmarks.proficiency [--students 4000] [--seed 7]
        [--out benchmarks/results/proficiency.md] [--figure docs/figures/proficiency_methods.png]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from engine.adaptive.bank import AdaptiveBank
from engine.irt.parameters import ItemParameters
from engine.irt.simulation import simulate_bank
from engine.mastery.bands import band_codes, cuts_from_percent
from engine.mastery.growth import drift_filter, estimate_drift
from engine.mastery.proficiency import METHODS, proficiency_levels
from reporting.figures import save_png

KINDS = ("steady", "relearns", "grows", "drifts")
PERCENT_CUTS = (50.0, 80.0)
N_WEEKS = 8
ITEMS_PER_ASSESSMENT = 5
N_ITEMS = 40
SELECTIONS = ("fixed", "adaptive")
IRT_METHODS = ("irt (as stored)", "irt growth filter")


def trajectories(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True ability per student and week.

    Returns
    -------
    theta : ndarray, shape (n, N_WEEKS)
    kind : ndarray of int, shape (n,)
        Index into :data:`KINDS`.
    days : ndarray, shape (N_WEEKS,)
    """
    days = 7.0 * np.arange(N_WEEKS)
    kind = np.arange(n) % len(KINDS)
    start = rng.normal(-0.3, 1.0, n)
    theta = np.repeat(start[:, None], N_WEEKS, axis=1)
    week = np.arange(N_WEEKS)[None, :]
    at = rng.integers(1, N_WEEKS, n)
    jump = 1.5 * (week >= at[:, None])
    climb = 1.5 * week / (N_WEEKS - 1)
    steps = rng.normal(0.0, 0.1 * np.sqrt(7.0), (n, N_WEEKS))
    steps[:, 0] = 0.0
    walk = np.cumsum(steps, axis=1)
    theta = theta + np.where((kind == 1)[:, None], jump, 0.0)
    theta = theta + np.where((kind == 2)[:, None], climb, 0.0)
    theta = theta + np.where((kind == 3)[:, None], walk, 0.0)
    return theta, kind, days


def assessments(
    params: ItemParameters, theta: np.ndarray, days: np.ndarray, selection: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Five distinct items a week per student, answered at the week's true ability.

    ``selection`` is ``fixed`` (items at random) or ``adaptive`` (the items of
    difficulty nearest the week's ability, jittered by N(0, 0.5)).

    Returns
    -------
    percent : ndarray, shape (N, N_WEEKS)
        Percent correct of each weekly assessment.
    student, item, score : ndarray of int, shape (R,)
    time : ndarray, shape (R,)
        Day of each answer.
    """
    n = theta.shape[0]
    if selection == "fixed":
        distance = rng.random((n, N_WEEKS, N_ITEMS))
    else:
        target = theta + rng.normal(0.0, 0.5, theta.shape)
        distance = np.abs(params.b[None, None, :] - target[:, :, None])
    item = np.argsort(distance, axis=2)[:, :, :ITEMS_PER_ASSESSMENT]
    ability = np.repeat(theta[:, :, None], ITEMS_PER_ASSESSMENT, axis=2)
    p = params.pair_probabilities(ability.ravel(), item.ravel())[:, 1]
    score = (rng.random(p.size) < p).astype(np.int64)
    percent = 100.0 * score.reshape(n, N_WEEKS, ITEMS_PER_ASSESSMENT).mean(axis=2)
    student = np.repeat(np.arange(n), N_WEEKS * ITEMS_PER_ASSESSMENT)
    time_ = np.repeat(np.tile(days, n), ITEMS_PER_ASSESSMENT)
    return percent, student, item.ravel(), score, time_


def latest_per_item(student: np.ndarray, item: np.ndarray, time_: np.ndarray) -> np.ndarray:
    """Positions of each student's latest answer to each item, shape (R',)."""
    order = np.lexsort((time_, item, student))
    s, i = student[order], item[order]
    last = np.ones(order.size, dtype=bool)
    last[:-1] = (s[1:] != s[:-1]) | (i[1:] != i[:-1])
    return order[last]


def run(n_students: int, seed: int, selection: str) -> dict:
    """Wrong-band rates per method and kind of student, items chosen by ``selection``."""
    rng = np.random.default_rng(seed)
    params = simulate_bank(N_ITEMS, "2pl", rng)
    bank = AdaptiveBank.from_parameters(params)
    theta_cuts = cuts_from_percent(params, PERCENT_CUTS)
    theta, kind, days = trajectories(n_students, rng)
    percent, student, item, score, time_ = assessments(params, theta, days, selection, rng)
    truth = band_codes(theta[:, -1], theta_cuts)

    reported: dict[str, np.ndarray] = {m: proficiency_levels(percent, m, PERCENT_CUTS) for m in METHODS}
    keep = latest_per_item(student, item, time_)
    stored = drift_filter(bank, student[keep], item[keep], score[keep], time_[keep], n_students, sigma=0.0)
    reported[IRT_METHODS[0]] = band_codes(stored.theta, theta_cuts)
    started = time.perf_counter()
    sigma = estimate_drift(bank, student, item, score, time_, n_students)
    growth = drift_filter(bank, student, item, score, time_, n_students, sigma=sigma)
    reported[IRT_METHODS[1]] = band_codes(growth.theta, theta_cuts)
    seconds = time.perf_counter() - started

    rates = {
        m: {
            "all": float(np.mean(band != truth)),
            **{k: float(np.mean(band[kind == i] != truth[kind == i])) for i, k in enumerate(KINDS)},
            "two bands off": float(np.mean(np.abs(band - truth) >= 2)),
        }
        for m, band in reported.items()
    }
    return {
        "rates": rates,
        "sigma": sigma,
        "growth_seconds": seconds,
        "theta_cuts": theta_cuts,
        "n_students": n_students,
        "seed": seed,
        "selection": selection,
    }


def table(result: dict) -> str:
    """The wrong-band rates as a markdown table, best first."""
    cols = ("all", *KINDS, "two bands off")
    lines = [
        "| method | " + " | ".join(cols) + " |",
        "| --- | " + " | ".join("---:" for _ in cols) + " |",
    ]
    for m, r in sorted(result["rates"].items(), key=lambda kv: kv[1]["all"]):
        lines.append(f"| {m} | " + " | ".join(f"{100 * r[c]:.1f}%" for c in cols) + " |")
    return "\n".join(lines)


def figure(results: list[dict]) -> Figure:
    """Wrong-band rate per method, overall and by kind of student, a panel per item selection."""
    fig = Figure(figsize=(7.0, 3.2 * len(results)), layout="constrained")
    axes = fig.subplots(len(results), 1, squeeze=False)[:, 0]
    methods = sorted(results[0]["rates"], key=lambda m: results[0]["rates"][m]["all"])
    width = 0.8 / (len(KINDS) + 1)
    x = np.arange(len(methods))
    for ax, result in zip(axes, results):
        rates = result["rates"]
        for k, col in enumerate(("all", *KINDS)):
            ax.bar(
                x + (k - len(KINDS) / 2) * width,
                [100 * rates[m][col] for m in methods],
                width,
                label=col,
                color="#333333" if col == "all" else f"C{k - 1}",
            )
        ax.set_xticks(x, [m.replace("_", " ") for m in methods], rotation=20, ha="right", fontsize=8)
        ax.set_ylabel("wrong band (%)")
        ax.set_ylim(0, 100)
        ax.set_title(f"{result['selection']} items: {result['n_students']:,} simulated students", fontsize=9)
        ax.legend(fontsize=7, ncols=5, loc="upper left")
        ax.grid(axis="y", alpha=0.3)
    return fig


def section(result: dict) -> str:
    """One selection's paragraph and table."""
    return (
        f"## {result['selection']} items\n\n"
        f"Percent cuts {PERCENT_CUTS[0]:.0f} / {PERCENT_CUTS[1]:.0f} are theta "
        f"{result['theta_cuts'][0]:.2f} / {result['theta_cuts'][1]:.2f} on this standard. "
        f"Growth filter drift estimated at {result['sigma']:.3f} logits per sqrt(day) "
        f"({result['growth_seconds']:.1f} s with the estimate).\n\n" + table(result) + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/proficiency.md"))
    parser.add_argument("--figure", type=Path, default=Path("docs/figures/proficiency_methods.png"))
    args = parser.parse_args()
    load = os.getloadavg()[0]
    results = [run(args.students, args.seed, selection) for selection in SELECTIONS]
    text = (
        "# Proficiency methods: how often each reports the wrong band\n\n"
        f"`python -m benchmarks.proficiency --students {args.students} --seed {args.seed}` "
        f"(load average {load:.1f} at start). {args.students:,} simulated students "
        f"({', '.join(KINDS)}: a quarter each), {N_WEEKS} weekly assessments of "
        f"{ITEMS_PER_ASSESSMENT} items from a {N_ITEMS}-item 2PL standard. The truth is the band "
        "of the true ability in the last week. Share of students in the wrong band (lower is "
        "better), overall, by kind of student, and two bands off (red reported for a green "
        "student or the reverse).\n\n" + "\n".join(section(r) for r in results)
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    save_png(figure(results), args.figure)
    print(text)


if __name__ == "__main__":
    main()
