"""Fixed forms by automated test assembly (mixed-integer programming).

Exit tickets, common formative assessments and parallel forms for retakes
are assembled with :func:`scipy.optimize.milp` (HiGHS).  Decision variables
``x[j, f] = 1`` when item j is on form f.  Objectives:

* ``"maximin"`` — maximize ``t`` with ``sum_j I_j(theta_k) x[j, f] >= t`` for
  every form f and theta point k (information at the cut, or at a few points);
  with several forms a small penalty on the strongest form's information at
  each point (``u_k >= sum_j I_j(theta_k) x[j, f]``) keeps them parallel;
* ``"target"`` — minimize ``y`` with ``|sum_j I_j(theta_k) x[j, f] - T_k| <= y``
  (match a target information curve).

Constraints: the form length; blueprint counts per objective (min, max) and
DOK mix per form; enemy sets (at most one item of a set on a form); an
overlap limit between any two forms (``max_overlap = 0``: disjoint forms;
otherwise ``z[j, f, g] >= x[j, f] + x[j, g] - 1`` and ``sum_j z <= max_overlap``);
items not eligible are excluded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from engine.irt.parameters import ItemParameters

__all__ = ["AssembledForms", "assemble_forms"]


@dataclass(frozen=True)
class AssembledForms:
    """Outcome of :func:`assemble_forms` (F forms, T theta points).

    Attributes
    ----------
    forms : ndarray of int, shape (F, length)
        Item positions of each form (sorted).
    information : ndarray, shape (F, T)
        Test information of each form at each theta point.
    objective_counts : ndarray of int, shape (F, G)
        Items per objective code on each form.
    dok_counts : ndarray of int, shape (F, D)
    overlap : ndarray of int, shape (F, F)
        Items shared by each pair of forms.
    status : str
        The solver's message.
    optimal : bool
        Solved to the requested gap (False: stopped at the time limit).
    gap : float
        Relative MIP gap of the returned solution (NaN when unknown).
    """

    forms: np.ndarray
    information: np.ndarray
    objective_counts: np.ndarray
    dok_counts: np.ndarray
    overlap: np.ndarray
    status: str
    optimal: bool
    gap: float = float("nan")


def _bounds_rows(
    codes: np.ndarray, limits: Mapping[int, tuple[int, int]], f: int, what: str
) -> tuple[list[np.ndarray], list[int], list[int]]:
    """Constraint rows (variable indices), lower and upper bounds: items per code on each of ``f`` forms."""
    rows: list[np.ndarray] = []
    lo: list[int] = []
    hi: list[int] = []
    for code, (a, b) in limits.items():
        members = np.flatnonzero(codes == int(code))
        if members.size == 0 and a > 0:
            raise ValueError(f"{what} {code} has no items but needs at least {a}")
        for form in range(f):
            rows.append(members * f + form)
            lo.append(a)
            hi.append(b)
    return rows, lo, hi


def assemble_forms(
    params: ItemParameters,
    *,
    length: int,
    theta: Sequence[float],
    n_forms: int = 1,
    objective: str = "maximin",
    target: Sequence[float] | None = None,
    objectives: np.ndarray | None = None,
    objective_limits: Mapping[int, tuple[int, int]] | None = None,
    dok: np.ndarray | None = None,
    dok_limits: Mapping[int, tuple[int, int]] | None = None,
    enemies: Sequence[Sequence[int]] = (),
    max_overlap: int = 0,
    eligible: np.ndarray | None = None,
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-4,
    parallel: bool = True,
    parallel_weight: float = 0.01,
) -> AssembledForms:
    """Assemble ``n_forms`` fixed forms of ``length`` items.

    Parameters
    ----------
    params : ItemParameters
        The pool (J items).
    length : int
    theta : sequence of float, length T
        Where information counts (e.g. the mastery cut).
    n_forms : int
    objective : {"maximin", "target"}
    target : sequence of float, length T
        Target information (``objective="target"``).
    objectives : ndarray of int, shape (J,)
        Objective code of each item.
    objective_limits : mapping code -> (min, max)
        Items per objective on each form.
    dok : ndarray of int, shape (J,)
    dok_limits : mapping code -> (min, max)
    enemies : sequence of sequences of item positions
        At most one item of each set on a form.
    max_overlap : int
        Items any two forms may share.
    eligible : ndarray of bool, shape (J,)
    time_limit : float
        Seconds for the solver; at the limit the best forms found so far are
        returned with ``optimal=False`` and their ``gap``.
    mip_rel_gap : float
        Relative optimality gap at which the solver stops.
    parallel : bool
        Maximin with several forms: also keep the forms alike, by penalizing
        (with ``parallel_weight`` per unit of information, shared over the
        theta points) the largest form's information at each point.  The
        weakest form's information ``t`` keeps priority (weight 1).
    parallel_weight : float
        In (0, 1).

    Returns
    -------
    AssembledForms

    Raises
    ------
    ValueError
        Bad arguments or an infeasible specification.
    """
    j = params.n_items
    f = int(n_forms)
    length = int(length)
    points = np.atleast_1d(np.asarray(theta, dtype=float))
    if f < 1 or length < 1:
        raise ValueError(f"n_forms and length should be at least 1, got {n_forms} and {length}")
    if points.ndim != 1 or points.size == 0 or np.any(~np.isfinite(points)):
        raise ValueError("theta should be a non-empty list of finite points")
    if objective not in ("maximin", "target"):
        raise ValueError(f"objective should be 'maximin' or 'target', got {objective!r}")
    target_info = np.full(points.size, np.nan)  # read by the "target" objective only
    if objective == "target":
        if target is None or np.shape(target) != points.shape:
            raise ValueError(f"target should give one information value per theta point ({points.size})")
        target_info = np.asarray(target, dtype=float)
    if not 0 < parallel_weight < 1:
        raise ValueError(f"parallel_weight should lie in (0, 1), got {parallel_weight}")
    if not 0 <= int(max_overlap) <= length:
        raise ValueError(f"max_overlap should lie in 0..{length}, got {max_overlap}")
    eligible = np.ones(j, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    if eligible.shape != (j,):
        raise ValueError(f"eligible should have shape ({j},), got {eligible.shape}")
    info = params.information(points)  # (T, J)
    t_pts = points.size

    # variables: x[j, f] at j * F + f, then pair overlaps z, then the scalar t / y
    pairs = [(a, b) for a in range(f) for b in range(a + 1, f)] if 0 < max_overlap < length else []
    nx = j * f
    nz = j * len(pairs)
    # parallel maximin forms: an upper envelope u_k per theta point, lightly penalized,
    # keeps the forms alike without lowering the weakest one
    nu = t_pts if (objective == "maximin" and f > 1 and parallel) else 0
    nv = nx + nz + nu + 1
    tvar = nv - 1
    uvar = nx + nz + np.arange(nu)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    r = 0

    def add(c: np.ndarray, v: np.ndarray, low: float, high: float) -> None:
        nonlocal r
        rows.append(np.full(c.size, r))
        cols.append(c)
        vals.append(v)
        lo.append(low)
        hi.append(high)
        r += 1

    items = np.arange(j)
    for form in range(f):  # loops over forms and theta points: the model's rows
        add(items * f + form, np.ones(j), length, length)
        for k in range(t_pts):
            c = np.concatenate([items * f + form, [tvar]])
            if objective == "maximin":
                add(c, np.concatenate([info[k], [-1.0]]), 0.0, np.inf)
                if nu:
                    add(np.concatenate([items * f + form, [uvar[k]]]), np.concatenate([info[k], [-1.0]]), -np.inf, 0.0)
            else:
                add(c, np.concatenate([info[k], [-1.0]]), -np.inf, target_info[k])
                add(c, np.concatenate([info[k], [1.0]]), target_info[k], np.inf)
    for name, codes, limits in (("objective", objectives, objective_limits), ("DOK level", dok, dok_limits)):
        if limits:
            if codes is None or np.shape(codes) != (j,):
                raise ValueError(f"{name} limits need one {name} code per item")
            codes = np.asarray(codes, dtype=np.int64)
            for c, a, b in zip(*_bounds_rows(codes, limits, f, name)):
                add(c, np.ones(c.size), a, b)
    for group in enemies:
        g = np.unique(np.asarray(group, dtype=np.int64))
        if g.size and (g.min() < 0 or g.max() >= j):
            raise ValueError(f"enemy set {list(group)} names an item outside 0..{j - 1}")
        for form in range(f):
            add(g * f + form, np.ones(g.size), 0, 1)

    def add_block(c: np.ndarray, v: np.ndarray, low: float, high: float) -> None:
        """Rows ``c[i, :] . v[i, :]`` in [low, high] for every i at once."""
        nonlocal r
        n_rows = c.shape[0]
        rows.append(np.repeat(np.arange(r, r + n_rows), c.shape[1]))
        cols.append(c.ravel())
        vals.append(v.ravel())
        lo.extend([low] * n_rows)
        hi.extend([high] * n_rows)
        r += n_rows

    if f > 1 and max_overlap == 0:  # each item on at most one form
        add_block(items[:, None] * f + np.arange(f)[None, :], np.ones((j, f)), 0, 1)
    for p, (a, b) in enumerate(pairs):  # z >= x_a + x_b - 1, sum z <= max_overlap
        z = nx + p * j + items
        add_block(
            np.column_stack([items * f + a, items * f + b, z]),
            np.broadcast_to([1.0, 1.0, -1.0], (j, 3)),
            -np.inf,
            1.0,
        )
        add(z, np.ones(j), 0, max_overlap)

    a_mat = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, nv))
    upper = np.ones(nv)
    upper[:nx] = np.repeat(eligible.astype(float), f)
    upper[tvar] = np.inf
    upper[uvar] = np.inf
    integrality = np.ones(nv)
    integrality[tvar] = 0
    integrality[uvar] = 0
    c = np.zeros(nv)
    c[tvar] = -1.0 if objective == "maximin" else 1.0
    c[uvar] = parallel_weight / max(nu, 1)
    res = milp(
        c,
        constraints=LinearConstraint(a_mat, np.asarray(lo), np.asarray(hi)),
        integrality=integrality,
        bounds=Bounds(np.zeros(nv), upper),
        options={"time_limit": float(time_limit), "mip_rel_gap": float(mip_rel_gap)},
    )
    if res.x is None:
        raise ValueError(f"no forms satisfy the specification: {res.message}")
    x = np.rint(res.x[:nx]).reshape(j, f).astype(bool)
    forms = np.stack([np.sort(np.flatnonzero(x[:, form])) for form in range(f)])
    obj_codes = np.zeros(j, dtype=np.int64) if objectives is None else np.asarray(objectives, dtype=np.int64)
    dok_codes = np.zeros(j, dtype=np.int64) if dok is None else np.asarray(dok, dtype=np.int64)
    ocount = np.stack([np.bincount(obj_codes[fm], minlength=obj_codes.max() + 1) for fm in forms])
    dcount = np.stack([np.bincount(dok_codes[fm], minlength=dok_codes.max() + 1) for fm in forms])
    xi = x.astype(np.int64)
    return AssembledForms(
        forms=forms,
        information=np.stack([info[:, fm].sum(axis=1) for fm in forms]),
        objective_counts=ocount,
        dok_counts=dcount,
        overlap=xi.T @ xi,
        status=str(res.message),
        optimal=bool(res.status == 0),
        gap=float(getattr(res, "mip_gap", np.nan) if getattr(res, "mip_gap", None) is not None else np.nan),
    )
