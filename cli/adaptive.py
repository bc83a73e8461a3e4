"""``masterycat simulate-cat``: run simulated students through an adaptive policy."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import typer

from cli.common import app, fail, print_json, show_progress
from engine.adaptive.bank import AdaptiveBank
from engine.adaptive.exposure import EXPOSURE_METHODS, ExposurePolicy
from engine.adaptive.policy import CatPolicy
from engine.adaptive.selection import SELECTION_RULES, SelectionRule
from engine.adaptive.simulation import calibrate_sympson_hetter, simulate_cat
from engine.adaptive.stopping import CLASSIFY_METHODS, StoppingRule
from itembank.io import FileFormatError, read_parameters


def _choice(name: str, value: str, allowed) -> str:
    value = value.lower()
    if value not in allowed:
        fail(f"--{name} should be one of {', '.join(allowed)}, got {value!r}")
    return value


@app.command("simulate-cat")
def simulate_cat_command(
    bank: Path = typer.Option(..., "--bank", help="Item parameters CSV (item_id,model,a,b,c,d,b1,...)."),
    students: int = typer.Option(1000, "--students", help="Number of simulated students, theta ~ N(0, 1)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (abilities, answers, exposure control)."),
    rule: str = typer.Option("max-info", "--rule", help="Selection rule: max-info, kl or target-p."),
    max_items: int = typer.Option(20, "--max-items", help="Maximum test length."),
    min_items: int = typer.Option(1, "--min-items", help="Minimum test length."),
    se_stop: float = typer.Option(0.3, "--se-stop", help="Stop at this posterior SD (0 turns it off)."),
    cut: float = typer.Option(0.0, "--cut", help="Mastery cut on the theta scale (classification)."),
    exposure: str = typer.Option("none", "--exposure", help="none, randomesque or sympson-hetter."),
    max_exposure: float = typer.Option(0.25, "--max-exposure", help="Sympson-Hetter target maximum exposure rate."),
    randomesque_k: int = typer.Option(5, "--randomesque-k", help="Randomesque group size."),
    p_target: float = typer.Option(0.75, "--p-target", help="Target success probability of target-p."),
    classify: str = typer.Option("none", "--classify", help="Classification stopping: none, ci or sprt."),
    indifference: float = typer.Option(0.3, "--indifference", help="SPRT indifference half-width."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Simulate adaptive checks: bias, RMSE, length, classification, exposure."""
    rule = _choice("rule", rule, SELECTION_RULES)
    exposure = _choice("exposure", exposure, EXPOSURE_METHODS)
    classify = _choice("classify", classify, CLASSIFY_METHODS)
    if students < 1:
        fail(f"--students should be at least 1, got {students}")
    if se_stop < 0 or not np.isfinite(se_stop):
        fail(f"--se-stop should be >= 0, got {se_stop}")
    if not bank.is_file():
        fail(f"no such parameters file: {bank}")
    try:
        params = read_parameters(bank)
    except FileFormatError as err:
        fail(str(err))
    try:
        policy = CatPolicy(
            rule=SelectionRule(rule, p_target=p_target),
            exposure=ExposurePolicy(exposure, k=randomesque_k),
            stopping=StoppingRule(
                min_items=min_items,
                max_items=max_items,
                se_target=se_stop if se_stop > 0 else None,
                classify=classify,
                cut=cut,
                indifference=indifference,
            ),
        )
        if exposure == "sympson-hetter" and not 0 < max_exposure <= 1:
            raise ValueError(f"--max-exposure should lie in (0, 1], got {max_exposure}")
    except ValueError as err:
        fail(str(err))
    start = time.perf_counter()
    compiled = AdaptiveBank.from_parameters(params)
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=students)
    calibration = {}
    if exposure == "sympson-hetter":
        t0 = time.perf_counter()
        sample = np.random.default_rng([seed, 1]).normal(size=max(students, 2000))
        status = nullcontext()
        if show_progress():
            from rich.console import Console

            status = Console(stderr=True).status("finding Sympson-Hetter control parameters by simulation")
        with status:
            control, history = calibrate_sympson_hetter(
                compiled, policy, sample, np.random.default_rng([seed, 2]), r_max=max_exposure
            )
        compiled = compiled.with_exposure_control(control)
        calibration = {
            "sympson_hetter_iterations": len(history),
            "sympson_hetter_calibration_max_exposure": history[-1],
            "sympson_hetter_seconds": time.perf_counter() - t0,
        }
    t0 = time.perf_counter()
    sim = simulate_cat(compiled, theta, policy, rng)
    seconds_sim = time.perf_counter() - t0
    summary = sim.summary()
    summary.update(calibration)
    summary.update(
        {
            "items": params.n_items,
            "rule": rule,
            "exposure": exposure,
            "classify": classify,
            "simulation_seconds": seconds_sim,
            "stage_seconds": sim.timings,
            "seconds": time.perf_counter() - start,
        }
    )
    if as_json:
        print_json(summary)
        return
    typer.echo(
        f"{students} students, {params.n_items} items, rule {rule}, exposure {exposure}, classify {classify}\n"
        f"bias {summary['bias']:+.4f}  rmse {summary['rmse']:.4f}  mean length {summary['mean_length']:.2f}\n"
        f"classification accuracy {summary['classification_accuracy']:.4f} (cut {cut:g})\n"
        f"max exposure {summary['max_exposure']:.4f}  p90 {summary['exposure_quantiles']['p90']:.4f}  "
        f"unused items {summary['unused_items']:.1%}\n"
        f"stop reasons {summary['stop_reasons']}  ({summary['seconds']:.3f} s)"
    )
