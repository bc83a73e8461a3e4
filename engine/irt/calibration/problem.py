"""Set-up of a calibration: from the caller's arguments to the problem the EM iteration solves.

:func:`set_up` validates the arguments (once, at the edge), resolves the
model of every item, copies in known parameters (starting values, anchors),
applies fixed parameters, gives items freed across populations one column per
population, leaves out inestimable items when asked, computes starting
values, and decides which latent parameters are free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike

from engine.irt.calibration.e_step import SINGLE_PRECISION_CELLS, working_precision
from engine.irt.calibration.estimability import inestimable_items, inestimable_reason
from engine.irt.calibration.expansion import Expansion, expansion_of
from engine.irt.calibration.held_responses import HeldResponses
from engine.irt.calibration.layout import ParameterLayout
from engine.irt.calibration.populations import Populations
from engine.irt.calibration.priors import ItemPriors
from engine.irt.calibration.starting_values import starting_tables
from engine.irt.calibration.students import LocalStudents, StudentBlocks
from engine.irt.models import LOGISTIC, model_spec
from engine.irt.parameters import ItemGroup, ItemParameters
from engine.irt.quadrature import normal_grid
from engine.irt.responses import ResponseMatrix

__all__ = ["CalibrationProblem", "set_up", "LATENT_RULES"]

LATENT_RULES = ("auto", "fixed", "free")

#: Known parameters of an item: the table holding them, the item's id there, and whether all are fixed (anchor).
_Known = tuple[ItemParameters, str, bool]


@dataclass(frozen=True)
class CalibrationProblem:
    """Everything the EM iteration needs, settled before it starts.

    Attributes
    ----------
    responses : ResponseMatrix or HeldResponses
        N students x J' columns: the calibrated items (inestimable ones left
        out), then one more column per population after the reference for
        each item freed across populations (held responses: one population).
    table : ItemParameters
        Starting values of the J' columns (reported form: ids and models).
    groups : tuple of ItemGroup
        The J' columns as engine groups, with the free mask of each parameter.
    layout : ParameterLayout
    populations : Populations
    nodes : ndarray, shape (Q,)
    kmax : int
    priors : ItemPriors
    one_pl : bool
        Every item is 1PL: fitted as Rasch with a free latent sd, reported
        as one common slope on N(0, 1).
    n_items : int
        J, the calibrated items (the first J columns).
    copy_of : ndarray of int, shape (J' - J,)
        For each extra column, the item (0..J-1) it is a copy of.
    copy_population : ndarray of int, shape (J' - J,)
        For each extra column, the population whose answers it holds.
    dropped : tuple of str
        Items left out as inestimable.
    students : StudentBlocks
        Where the sums over students run (:mod:`.students`): the responses
        in blocks, each with its students' populations.
    precision : numpy dtype
        Precision of the E-step's products (:func:`.e_step.working_precision`).
    expansion : Expansion
        The reference population's fixed latent parameters the items absorb
        in each M-step (:mod:`.expansion`).
    starts : tuple of ndarray, shape (P,) each
        The packed states EM starts from: one, or for banks with free
        asymptotes and no given parameters several
        (:func:`.starting_values.starting_tables`), the best maximum kept.
    """

    responses: ResponseMatrix | HeldResponses
    table: ItemParameters
    groups: tuple[ItemGroup, ...]
    layout: ParameterLayout
    populations: Populations
    nodes: np.ndarray
    kmax: int
    priors: ItemPriors
    one_pl: bool
    n_items: int
    copy_of: np.ndarray
    copy_population: np.ndarray
    dropped: tuple[str, ...]
    students: StudentBlocks
    precision: np.dtype
    expansion: Expansion
    starts: tuple[np.ndarray, ...]

    @property
    def n_columns(self) -> int:
        """J', the response columns (items and their copies per population)."""
        return len(self.table.item_ids)


def set_up(
    responses: ResponseMatrix | HeldResponses,
    model: str | Sequence[str],
    *,
    anchors: ItemParameters | None,
    start: ItemParameters | None,
    fixed: Mapping[str, set[str]] | None,
    groups: ArrayLike | None,
    reference: str | None,
    free_items: Sequence[str] | None,
    n_nodes: int,
    theta_limits: tuple[float, float],
    guess_prior: tuple[float, float] | None,
    slope_prior: tuple[float, float] | None,
    latent: str,
    drop_inestimable: bool,
) -> CalibrationProblem:
    """The calibration problem of :func:`~engine.irt.calibration.calibrate`'s arguments (documented there).

    Raises
    ------
    ValueError
        With a message naming the argument or item at fault.
    """
    held_elsewhere = not isinstance(responses, ResponseMatrix)
    if held_elsewhere and not isinstance(responses, HeldResponses):
        raise ValueError("responses should be a ResponseMatrix or HeldResponses")
    if held_elsewhere and groups is not None:
        raise ValueError("groups need the responses in this process (held responses are one population)")
    if latent not in LATENT_RULES:
        raise ValueError(f"latent should be 'auto', 'fixed' or 'free', got {latent!r}")
    for name, prior in (("guess_prior", guess_prior), ("slope_prior", slope_prior)):
        if prior is not None and not (len(prior) == 2 and prior[1] > 0):
            raise ValueError(f"{name} should be (mean, sd) with sd > 0")
    if responses.n_items == 0 or responses.n_students == 0:
        raise ValueError("no responses to calibrate")
    if groups is None:
        if reference is not None or free_items:
            raise ValueError("reference and free_items need groups")
        populations = Populations.single(responses.n_students)
    else:
        populations = Populations.from_labels(groups, reference, responses.n_students)
    item_ids = responses.item_ids
    k = responses.n_categories.copy()
    position = {iid: j for j, iid in enumerate(item_ids.tolist())}
    fixed = {str(key): set(v) for key, v in (fixed or {}).items()}
    unknown = [i for i in fixed if i not in position]
    if unknown:
        raise ValueError(f"fixed names item {unknown[0]}, which has no responses")

    names = _resolve_models(model, item_ids, k)
    known: dict[str, _Known] = {}
    for table, fix_all in ((start, False), (anchors, True)):
        if table is None:
            continue
        for iid in table.item_ids.tolist():
            if iid not in position:
                if fix_all:
                    raise ValueError(f"anchor item {iid} has no responses")
                continue
            known[iid] = (table, iid, fix_all)
    for iid, (table, _, fix_all) in known.items():
        j = position[iid]
        kt = int(table.n_categories[table.index_of[iid]])
        if kt < k[j]:
            raise ValueError(f"item {iid}: responses use {k[j]} categories but its parameters have {kt}")
        k[j] = kt
        names[j] = str(table.model[table.index_of[iid]])
        if fix_all:
            fixed[iid] = {"all"}
    one_pl = names == "1pl"
    if one_pl.any() and not one_pl.all():
        raise ValueError("1pl (one common slope) must be the model of every item; use rasch or 2pl to mix")
    if one_pl.all() and populations.n_populations > 1:
        raise ValueError("1pl with groups: calibrate rasch (the same model with a free latent sd per group)")

    freed = [str(i) for i in (free_items or [])]
    for iid in freed:
        if iid not in position:
            raise ValueError(f"free_items names item {iid}, which has no responses")
        if iid in known and known[iid][2]:
            raise ValueError(f"item {iid} is an anchor; it cannot be free across groups")
    rm: ResponseMatrix | HeldResponses = responses
    copy_of: np.ndarray = np.zeros(0, dtype=np.int64)  # held responses: one population, no copies
    copy_population: np.ndarray = copy_of
    if isinstance(responses, ResponseMatrix):
        rm, copy_of, copy_population = _copies_per_population(responses, [position[i] for i in freed], populations)
    n_items = responses.n_items
    names, k = np.concatenate([names, names[copy_of]]), np.concatenate([k, k[copy_of]])
    for c, j in enumerate(copy_of):
        base, copy = str(item_ids[j]), str(rm.item_ids[n_items + c])
        if base in fixed:
            fixed[copy] = fixed[base]
        if base in known:
            known[copy] = known[base]

    held = np.array([bool(fixed.get(str(i))) and "all" in fixed[str(i)] for i in rm.item_ids.tolist()])
    bad = inestimable_items(rm, held)
    dropped: tuple[str, ...] = ()
    if bad.any():
        if not drop_inestimable:
            reason = inestimable_reason(rm, int(np.argmax(bad)))
            raise ValueError(f"{reason} (drop it, fix its parameters, or pass drop_inestimable=True)")
        origin = np.concatenate([np.arange(n_items), copy_of])
        bad_items = np.zeros(n_items, dtype=bool)
        bad_items[origin[bad]] = True
        dropped = tuple(item_ids[bad_items].tolist())
        keep_column = ~bad_items[origin]
        if not keep_column[:n_items].any():
            raise ValueError("no item has responses that can be calibrated")
        renumber = np.cumsum(~bad_items) - 1
        rm = rm.select_items(np.flatnonzero(keep_column))
        names, k = names[keep_column], k[keep_column]
        kept_copies = keep_column[n_items:]
        copy_of, copy_population = renumber[copy_of[kept_copies]], copy_population[kept_copies]
        n_items = int((~bad_items).sum())

    if not np.array_equal(k, rm.n_categories):  # known parameters with more categories than answered
        if isinstance(rm, ResponseMatrix):
            rm = ResponseMatrix(rm.student_ids, rm.item_ids, k, rm.student, rm.item, rm.score, rm.dense)
        else:
            rm = rm.with_categories(k)
    if isinstance(rm, ResponseMatrix):
        students: StudentBlocks = LocalStudents(rm, populations.code)
        precision = working_precision(rm)
    else:  # sparse blocks elsewhere: the precision working_precision gives sparse data
        students = rm.students
        precision = np.dtype(np.float32 if rm.n_responses > SINGLE_PRECISION_CELLS else np.float64)
    tables = starting_tables(students, rm.item_ids, rm.n_categories, names)
    if known:
        tables = [_merge_known(tables[0], known)]
    table = tables[0]
    item_groups = tuple(replace(g, free=_fixed_mask(g, rm.item_ids, fixed)) for g in table.groups)
    latent_free = _latent_free(latent, anchors is not None, item_groups, populations.n_populations)
    layout = ParameterLayout(item_groups, latent_free)
    no_latent = np.zeros(latent_free.shape)
    nodes, _ = normal_grid(n_nodes, theta_limits)
    return CalibrationProblem(
        responses=rm,
        table=table,
        groups=item_groups,
        layout=layout,
        populations=populations,
        nodes=nodes,
        kmax=int(rm.n_categories.max()),
        priors=ItemPriors(
            guess=(float(guess_prior[0]), float(guess_prior[1])) if guess_prior is not None else None,
            slope=(float(slope_prior[0]), float(slope_prior[1])) if slope_prior is not None else None,
        ),
        one_pl=bool(one_pl.all()),
        n_items=n_items,
        copy_of=copy_of,
        copy_population=copy_population,
        dropped=dropped,
        students=students,
        precision=precision,
        expansion=expansion_of(item_groups, latent_free, slope_prior is not None),
        starts=tuple(layout.pack([g.eta for g in t.groups], no_latent) for t in tables),
    )


def _latent_free(rule: str, anchored: bool, groups: Sequence[ItemGroup], n_populations: int) -> np.ndarray:
    """Which ``(mean, log sd)`` of each population are estimated, (G, 2).

    The reference population follows ``rule``: ``fixed`` N(0, 1); ``free``
    (or anchors given, which set the scale) both; ``auto`` without anchors:
    the sd when no item has a free slope (Rasch), else neither.  Every other
    population has a free mean and sd.
    """
    free = np.ones((n_populations, 2), dtype=bool)
    if rule == "fixed":
        free[0] = False
    elif rule == "auto" and not anchored:
        free[0] = (False, not any(g.free[:, 0].any() for g in groups))
    return free


def _copies_per_population(
    responses: ResponseMatrix, freed: Sequence[int], populations: Populations
) -> tuple[ResponseMatrix, np.ndarray, np.ndarray]:
    """The responses with each freed item split into one column per population.

    The item's own column keeps the reference population's answers; the
    answers of population g move to a new column ``<item>@<label of g>``.

    Returns
    -------
    responses : ResponseMatrix
        N x (J + F (G - 1)) (the input itself when nothing is freed).
    copy_of, copy_population : ndarray of int, shape (F (G - 1),)
        The item and the population of each new column.
    """
    g = populations.n_populations
    copy_of = np.repeat(np.asarray(freed, dtype=np.int64), g - 1)
    copy_population = np.tile(np.arange(1, g), len(freed))
    if len(copy_of) == 0:
        return responses, copy_of, copy_population
    j = responses.n_items
    column = np.full((j, g), -1, dtype=np.int64)
    column[:, 0] = np.arange(j)
    column[copy_of, copy_population] = j + np.arange(len(copy_of))
    moved = column[responses.item, populations.code[responses.student]]
    item = np.where(moved >= 0, moved, responses.item)
    copy_ids = [f"{responses.item_ids[i]}@{populations.labels[p]}" for i, p in zip(copy_of, copy_population)]
    rm = ResponseMatrix.from_long(
        responses.student,
        item,
        responses.score,
        n_students=responses.n_students,
        n_items=j + len(copy_of),
        student_ids=responses.student_ids,
        item_ids=np.concatenate([responses.item_ids, copy_ids]),
        n_categories=np.concatenate([responses.n_categories, responses.n_categories[copy_of]]),
        dense=responses.dense is not None,
    )
    return rm, copy_of, copy_population


def _resolve_models(model: str | Sequence[str], item_ids: np.ndarray, n_categories: np.ndarray) -> np.ndarray:
    """One model name per item (J,), checked against the item's number of categories."""
    if isinstance(model, str):
        names = np.array([model.lower()] * len(item_ids), dtype=object)
    elif isinstance(model, Mapping):
        raise ValueError("model should be one name or one name per item; map ids to names before calling")
    else:
        names = np.asarray([str(m).lower() for m in model], dtype=object)
        if len(names) != len(item_ids):
            raise ValueError(f"model should name one model per item ({len(item_ids)}), got {len(names)}")
    for name, k, iid in zip(names, n_categories, item_ids):
        try:
            model_spec(name, int(k))
        except ValueError as err:
            raise ValueError(f"item {iid}: {err}") from None
    return names.astype(str)


def _merge_known(table: ItemParameters, known: Mapping[str, _Known]) -> ItemParameters:
    """Starting table with the rows of start/anchor tables copied in."""
    a, b, c, d = table.a.copy(), table.b.copy(), table.c.copy(), table.d.copy()
    thr = table.thresholds.copy()
    models = table.model.copy()
    for iid, (src, source_id, _) in known.items():
        if iid not in table.index_of:
            continue  # left out as inestimable
        j, s = table.index_of[iid], src.index_of[source_id]
        models[j] = src.model[s]
        a[j], b[j], c[j], d[j] = src.a[s], src.b[s], src.c[s], src.d[s]
        width = min(thr.shape[1], src.thresholds.shape[1])
        thr[j] = np.nan
        thr[j, :width] = src.thresholds[s, :width]
    return replace(table, model=models, a=a, b=b, c=c, d=d, thresholds=thr)


def _fixed_mask(group: ItemGroup, item_ids: np.ndarray, fixed: Mapping[str, set[str]]) -> np.ndarray:
    """Free mask (n, p) of a group after applying the user's fixed parameters."""
    free = group.free.copy()
    for row, j in enumerate(group.index):
        names = fixed.get(str(item_ids[j]))
        if not names:
            continue
        names = {n.lower() for n in names}
        if group.family is LOGISTIC:
            cols = {"a": [0], "b": [1], "c": [2], "d": [3]}
        else:
            cols = {"a": [0], **{f"b{m}": [m] for m in range(1, group.n_categories)}}
        unknown = names - set(cols) - {"all"}
        if unknown:
            raise ValueError(f"item {item_ids[j]}: cannot fix unknown parameter(s) {sorted(unknown)}")
        if "all" in names:
            names = set(cols)
        location = names - {"a", "c", "d"}
        if location and "a" not in names and free[row, 0]:
            raise ValueError(
                f"item {item_ids[j]}: a location parameter ({', '.join(sorted(location))}) can be fixed "
                "only together with the slope a"
            )
        for n in names:
            free[row, cols[n]] = False
    return free
