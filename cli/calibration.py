"""``masterycat calibrate``, ``score`` and ``simulate``: the IRT core on files."""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import typer

from cli.common import app, fail, print_json, show_progress
from cli.dask_option import DASK_HELP, check_dask, open_responses, score_responses
from engine.irt.calibration import ConvergenceWarning
from engine.irt.calibration import calibrate as run_calibration
from engine.irt.models import MODEL_NAMES
from engine.irt.scoring import SCORING_METHODS
from engine.irt.simulation import simulate_bank, simulate_responses
from itembank.io import (
    FileFormatError,
    read_model_map,
    read_parameters,
    read_responses,
    write_parameters,
    write_responses,
    write_scores,
)
from reporting.analysis_files import read_groups


def _check_choice(name: str, value: str, allowed) -> str:
    value = value.lower()
    if value not in allowed:
        fail(f"--{name} should be one of {', '.join(allowed)}, got {value!r}")
    return value


def _pair(name: str, text: str | None) -> tuple[float, float] | None:
    """Parse ``MEAN,SD`` (SD > 0) or fail with exit code 2."""
    if text is None:
        return None
    try:
        mean, sd = (float(v) for v in text.split(","))
    except ValueError:
        fail(f"--{name} should be MEAN,SD (two numbers), got {text!r}")
    if not sd > 0:
        fail(f"--{name}: SD should be positive, got {sd}")
    return mean, sd


@contextmanager
def _progress(description: str, total: int):
    """A rich progress bar on stderr when it is a terminal; else nothing."""
    if not show_progress():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done, loglik: bar.update(task, completed=done, description=f"{description} loglik {loglik:.3f}")


@app.command()
def calibrate(
    responses: Path = typer.Argument(..., help="Responses CSV (wide or long), or a folder of Parquet files."),
    out: Path = typer.Option(..., "--out", help="Where to write the item parameters CSV."),
    model: str = typer.Option("2pl", help=f"Model of every item: {', '.join(MODEL_NAMES)}."),
    models: Path | None = typer.Option(None, help="item_id,model CSV for a mixed bank (others take --model)."),
    anchors: Path | None = typer.Option(
        None, help="Parameters CSV of items held fixed (linking onto the bank's scale)."
    ),
    groups: Path | None = typer.Option(
        None,
        help="student_id,group CSV: a multiple-group calibration (each group its own latent mean and sd, "
        "items equal across groups; --out holds the items, --json the groups).",
    ),
    reference: str | None = typer.Option(
        None, help="With --groups: the group on N(0, 1) (unless anchors set the scale); default the largest."
    ),
    se: bool = typer.Option(True, "--se/--no-se", help="Compute standard errors."),
    tol: float = typer.Option(1e-4, help="Convergence: largest parameter change of one EM step (mirt's TOL)."),
    max_iter: int = typer.Option(2000, help="Most EM steps."),
    quadrature: int = typer.Option(61, help="Quadrature nodes on [-6, 6]."),
    guess_prior: str | None = typer.Option(
        None, help="MEAN,SD of a normal prior on logit(c) (3pl/4pl), e.g. -1.4,0.5."
    ),
    slope_prior: str | None = typer.Option(
        None, help="MEAN,SD of a normal prior on log(a), e.g. 0,0.5 (sparse adaptive data)."
    ),
    drop_inestimable: bool = typer.Option(
        False,
        "--drop-inestimable",
        help="Leave out items the data cannot identify (all answers in one category, …) instead of refusing.",
    ),
    method: str = typer.Option(
        "em", help="em (marginal maximum likelihood) or vi (py-irt variational Bayes, 2PL; needs masterycat[bayes])."
    ),
    epochs: int = typer.Option(2000, help="SVI epochs of --method vi."),
    dask: str | None = typer.Option(None, "--dask", help=DASK_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
) -> None:
    """Calibrate items by marginal maximum likelihood (EM), write their parameters."""
    model = _check_choice("model", model, MODEL_NAMES)
    method = _check_choice("method", method, ("em", "vi"))
    check_dask(dask)
    if dask is not None and (method == "vi" or groups is not None):
        fail("--dask calibrates one group by EM: it cannot be combined with --method vi or --groups")
    if method == "vi":
        _calibrate_vi(responses, out, model, epochs, as_json)
        return
    if not tol > 0 or max_iter < 1 or quadrature < 5:
        fail("--tol must be positive, --max-iter at least 1 and --quadrature at least 5")
    priors = {name: _pair(name, text) for name, text in (("guess-prior", guess_prior), ("slope-prior", slope_prior))}
    try:
        with open_responses(responses, dask) as data:
            per_item = np.array([model] * data.n_items, dtype=object)
            if models is not None:
                mapping = read_model_map(models)
                unknown = [i for i in mapping if i not in set(data.item_ids.tolist())]
                if unknown:
                    fail(f"{models}: item {unknown[0]!r} has no responses column")
                per_item = np.array([mapping.get(i, model) for i in data.item_ids], dtype=object)
            anchor_table = read_parameters(anchors) if anchors is not None else None
            labels = _student_groups(groups, data.student_ids) if groups is not None else None
            if reference is not None and labels is None:
                fail("--reference needs --groups")
            with _progress("calibrating", max_iter) as progress, warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                result = run_calibration(
                    data,
                    per_item.astype(str),
                    anchors=anchor_table,
                    groups=labels,
                    reference=reference,
                    se=se,
                    tol=tol,
                    max_iter=max_iter,
                    n_nodes=quadrature,
                    drop_inestimable=drop_inestimable,
                    progress=progress,
                    guess_prior=priors["guess-prior"],
                    slope_prior=priors["slope-prior"],
                )
            for w in caught:
                typer.echo(f"masterycat: warning: {w.message}", err=True)
            if result.dropped_items:
                shown = ", ".join(result.dropped_items[:5]) + (" …" if len(result.dropped_items) > 5 else "")
                typer.echo(
                    f"masterycat: warning: left out {len(result.dropped_items)} inestimable item(s): {shown}", err=True
                )
            if result.poorly_identified:
                shown = ", ".join(result.poorly_identified[:5]) + (" …" if len(result.poorly_identified) > 5 else "")
                typer.echo(
                    f"masterycat: warning: the data cannot pin down {len(result.poorly_identified)} item(s) "
                    f"(a location beyond +-5 or a standard error above 1 or not finite): {shown}",
                    err=True,
                )
            write_parameters(out, result.params)
    except (FileFormatError, ValueError) as err:
        fail(str(err))
    if as_json:
        print_json(result.summary())
    else:
        typer.echo(
            f"calibrated {result.params.n_items} items on {result.n_students} students: "
            f"loglik {result.loglik:.3f}, {result.iterations} EM steps, "
            f"{'converged' if result.converged else 'NOT converged'}, {result.seconds:.2f} s -> {out}"
        )
        if labels is not None:
            for g in result.groups:
                typer.echo(
                    f"group {g.label} ({g.n_students} students): latent mean {g.mean:.3f}, sd {g.sd:.3f}"
                    + ("" if np.isnan(g.mean_se) else f" (se {g.mean_se:.3f}, {g.sd_se:.3f})")
                )


def _student_groups(path: Path, student_ids: np.ndarray) -> np.ndarray:
    """Each student's group from a ``student_id,group`` file, (N,); every student must have one."""
    mapping = read_groups(path)
    missing = [s for s in student_ids.tolist() if s not in mapping]
    if missing:
        raise FileFormatError(f"{path}: no group for student {missing[0]!r} of the responses")
    return np.array([mapping[s] for s in student_ids.tolist()], dtype=object)


def _calibrate_vi(responses: Path, out: Path, model: str, epochs: int, as_json: bool) -> None:
    from engine.irt.variational import VariationalUnavailable, calibrate_vi

    if model != "2pl":
        fail("--method vi fits the 2pl model only")
    start = time.perf_counter()
    try:
        data = read_responses(responses)
        params = calibrate_vi(data, epochs=epochs)
        write_parameters(out, params)
    except VariationalUnavailable as err:
        fail(str(err))
    except (FileFormatError, ValueError) as err:
        fail(str(err))
    summary = {"method": "vi", "epochs": epochs, "n_items": params.n_items, "seconds": time.perf_counter() - start}
    if as_json:
        print_json(summary)
    else:
        typer.echo(f"variational 2pl fit of {params.n_items} items in {summary['seconds']:.1f} s -> {out}")


@app.command()
def score(
    responses: Path = typer.Argument(..., help="Responses CSV (wide or long), or a folder of Parquet files."),
    params: Path = typer.Option(..., "--params", help="Item parameters CSV."),
    out: Path = typer.Option(..., "--out", help="Where to write the scores CSV."),
    method: str = typer.Option("eap", help=f"Estimator: {', '.join(SCORING_METHODS)}."),
    prior_mean: float = typer.Option(0.0, help="Prior mean (eap, map)."),
    prior_sd: float = typer.Option(1.0, help="Prior standard deviation (eap, map)."),
    dask: str | None = typer.Option(None, "--dask", help=DASK_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
) -> None:
    """Score students with known item parameters; write student_id,theta,se."""
    method = _check_choice("method", method, SCORING_METHODS)
    if not prior_sd > 0:
        fail("--prior-sd must be positive")
    check_dask(dask)
    start = time.perf_counter()
    try:
        table = read_parameters(params)
        categories = dict(zip(table.item_ids, table.n_categories.tolist()))
        with open_responses(responses, dask, categories) as data:
            used = table.subset([table.index_of[i] for i in data.item_ids])
            result = score_responses(data, used, method, prior_mean=prior_mean, prior_sd=prior_sd)
        write_scores(out, result.student_ids, result.theta, result.se)
    except (FileFormatError, ValueError) as err:
        fail(str(err))
    seconds = time.perf_counter() - start
    finite = np.isfinite(result.theta)
    summary = {
        "n_students": int(len(result.theta)),
        "method": method,
        "mean_theta": float(np.mean(result.theta[finite])) if finite.any() else None,
        "sd_theta": float(np.std(result.theta[finite])) if finite.any() else None,
        "infinite_se": int(np.sum(~np.isfinite(result.se))),
        "seconds": seconds,
    }
    if as_json:
        print_json(summary)
    else:
        typer.echo(f"scored {summary['n_students']} students ({method}) in {seconds:.2f} s -> {out}")


@app.command()
def simulate(
    out_responses: Path = typer.Option(..., "--out-responses", help="Responses CSV to write."),
    out_params: Path = typer.Option(..., "--out-params", help="True item parameters CSV to write."),
    items: int = typer.Option(20, help="Items in the bank."),
    students: int = typer.Option(1000, help="Students."),
    model: str = typer.Option("2pl", help=f"Model: {', '.join(MODEL_NAMES)}."),
    categories: int = typer.Option(4, help="Score categories of polytomous items."),
    seed: int = typer.Option(..., help="Random seed (same seed, same files)."),
    items_per_student: int | None = typer.Option(None, help="Sparse: items each student answers."),
    missing_rate: float = typer.Option(0.0, help="Dense: share of cells left missing at random."),
    layout: str = typer.Option("auto", help="Responses layout: wide, long or auto."),
    out_theta: Path | None = typer.Option(None, "--out-theta", help="True abilities CSV to write."),
) -> None:
    """Generate a bank and responses of N(0, 1) students, reproducibly."""
    model = _check_choice("model", model, MODEL_NAMES)
    layout = _check_choice("layout", layout, ("auto", "wide", "long"))
    if items < 1 or students < 1:
        fail("--items and --students must be at least 1")
    rng = np.random.default_rng(seed)
    try:
        bank = simulate_bank(items, model, rng, n_categories=categories)
        theta = rng.normal(0.0, 1.0, students)
        data = simulate_responses(bank, theta, rng, missing_rate=missing_rate, items_per_student=items_per_student)
        write_parameters(out_params, bank)
        write_responses(out_responses, data, layout=layout)
        if out_theta is not None:
            write_scores(out_theta, data.student_ids, theta, np.zeros(students))
    except ValueError as err:
        fail(str(err))
    typer.echo(f"simulated {students} students x {items} {model} items ({data.n_responses} answers) -> {out_responses}")
