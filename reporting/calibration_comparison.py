"""A calibration beside the live one, before it is made live.

:func:`compare_calibrations` lines up the items the two calibrations share
and says what going live would change: each parameter's shift with the
standard error of the shift, the items whose band (the tier of their
objective that their location falls in, which morning work and the tiers'
item choice follow) changes because the items moved or the objective's cuts
did, and the fit flags that appear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session

from itembank.bank import OperationalBank, build_bank
from reporting.bank_analysis import BankAnalysis, bank_analysis

__all__ = ["ParameterShift", "BandChange", "NewFlags", "Comparison", "compare_calibrations", "SHIFT_Z"]

#: a shift this many standard errors of the shift (or more) is listed first and marked
SHIFT_Z = 2.0


@dataclass(frozen=True)
class ParameterShift:
    """One parameter of one item in both calibrations.

    ``se_shift`` is sqrt(se_live^2 + se_new^2) (the two estimates taken as
    independent); ``z`` is the shift over it (None without both SEs).
    """

    item_id: str
    parameter: str
    live: float
    new: float
    shift: float
    se_shift: float | None
    z: float | None


@dataclass(frozen=True)
class BandChange:
    """An item whose band on its objective differs between the calibrations."""

    item_id: str
    objective: str
    location_live: float
    location_new: float
    band_live: str
    band_new: str


@dataclass(frozen=True)
class NewFlags:
    """Fit flags an item trips in the new calibration and not in the live one."""

    item_id: str
    flags: tuple[str, ...]
    live_flags: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    """What making ``new_id`` live instead of ``live_id`` changes.

    Attributes
    ----------
    live_id, new_id : int
    n_shared : int
        Operational items in both.
    only_live, only_new : list of str
        Items in one calibration only.
    shifts : list of ParameterShift
        Every shared item's a and b (or thresholds), largest |z| first.
    band_changes : list of BandChange
    new_flags : list of NewFlags
        Empty when either calibration has too few stored answers for statistics.
    flags_compared : bool
        Whether both analyses were available.
    """

    live_id: int
    new_id: int
    n_shared: int
    only_live: list[str]
    only_new: list[str]
    shifts: list[ParameterShift]
    band_changes: list[BandChange]
    new_flags: list[NewFlags]
    flags_compared: bool


def _location(bank: OperationalBank, j: int) -> float:
    """Where item ``j`` sits on the ability scale: b, or the mean of its thresholds."""
    p = bank.params
    if math.isfinite(float(p.b[j])):
        return float(p.b[j])
    row = p.thresholds[j][np.isfinite(p.thresholds[j])]
    return float(row.mean()) if row.size else math.nan


def _values(bank: OperationalBank, j: int) -> dict[str, tuple[float, float | None]]:
    """Item ``j``'s estimated parameters and SEs by name (a, b or b1.., c when free)."""
    p = bank.params
    out: dict[str, tuple[float, float | None]] = {}

    def se(name: str) -> float | None:
        arr = p.se.get(name)
        return None if arr is None or not math.isfinite(float(arr[j])) else float(arr[j])

    out["a"] = (float(p.a[j]), se("a"))
    if math.isfinite(float(p.b[j])):
        out["b"] = (float(p.b[j]), se("b"))
    for k, t in enumerate(p.thresholds[j].tolist() if p.thresholds.size else []):
        if math.isfinite(t):
            out[f"b{k + 1}"] = (float(t), se(f"b{k + 1}"))
    if "c" in p.se:
        out["c"] = (float(p.c[j]), se("c"))
    return out


def _shifts(live: OperationalBank, new: OperationalBank, shared: list[str]) -> list[ParameterShift]:
    rows = []
    for iid in shared:
        old_v, new_v = _values(live, live.params.index_of[iid]), _values(new, new.params.index_of[iid])
        for name in old_v.keys() & new_v.keys():
            (x0, s0), (x1, s1) = old_v[name], new_v[name]
            se_shift = math.hypot(s0, s1) if s0 is not None and s1 is not None else None
            z = (x1 - x0) / se_shift if se_shift else None
            rows.append(ParameterShift(iid, name, x0, x1, x1 - x0, se_shift, z))
    rows.sort(key=lambda r: (-(abs(r.z) if r.z is not None else -1.0), r.item_id, r.parameter))
    return rows


def _band_changes(live: OperationalBank, new: OperationalBank, shared: list[str]) -> list[BandChange]:
    out = []
    for iid in shared:
        objective = live.content[iid].objective_id
        if objective is None:
            continue
        j0, j1 = live.params.index_of[iid], new.params.index_of[iid]
        x0, x1 = _location(live, j0), _location(new, j1)
        if not (math.isfinite(x0) and math.isfinite(x1)):
            continue
        band0 = str(live.scheme(objective).names(x0))
        band1 = str(new.scheme(objective).names(x1))
        if band0 != band1:
            code = str(live.standards.get(objective, (objective,))[0])
            out.append(BandChange(iid, code, x0, x1, band0, band1))
    return out


def _new_flags(live: BankAnalysis, new: BankAnalysis, shared: list[str]) -> list[NewFlags]:
    out = []
    for iid in shared:
        if iid not in new.stats:
            continue
        before = live.stats[iid].flags if iid in live.stats else ()
        appeared = tuple(f for f in new.stats[iid].flags if f not in before)
        if appeared:
            out.append(NewFlags(iid, appeared, tuple(before)))
    return out


def compare_calibrations(session: Session, live: OperationalBank, new_id: int) -> Comparison:
    """What making calibration ``new_id`` live instead of ``live`` would change.

    Parameters
    ----------
    session : Session
    live : OperationalBank
        The live bank (its calibration's operational items, J0 of them).
    new_id : int
        A finished calibration.

    Returns
    -------
    Comparison
    """
    new = build_bank(session, new_id)
    live_ids, new_ids = set(live.params.item_ids.tolist()), set(new.params.item_ids.tolist())
    shared = sorted(live_ids & new_ids)
    analyses = bank_analysis(session, live.calibration_id), bank_analysis(session, new_id)
    compared = analyses[0] is not None and analyses[1] is not None
    return Comparison(
        live_id=live.calibration_id,
        new_id=int(new_id),
        n_shared=len(shared),
        only_live=sorted(live_ids - new_ids),
        only_new=sorted(new_ids - live_ids),
        shifts=_shifts(live, new, shared),
        band_changes=_band_changes(live, new, shared),
        new_flags=_new_flags(analyses[0], analyses[1], shared) if compared else [],  # type: ignore[arg-type]
        flags_compared=compared,
    )
