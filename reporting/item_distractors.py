"""The distractor analysis of one single-choice item, for its bank page.

The options the students chose (stored answers; imported scores without the
choice are left out) against their ability estimates in a calibration's
analysis (:func:`reporting.bank_analysis.bank_analysis`), through
:func:`engine.analysis.classical.distractor_analysis` with ``ability=``:
adaptive checks give students different items, so number correct is no
measure to group them by.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, select

from engine.analysis.classical import distractor_analysis
from itembank.responses import effective_filter
from itembank.tables import Item, Response, Student
from reporting.bank_analysis import BankAnalysis

__all__ = ["OptionRow", "ItemDistractors", "item_distractors", "MIN_STUDENTS"]

#: fewest students with a recorded choice for the analysis
MIN_STUDENTS = 20
#: ability groups (low to high)
N_GROUPS = 5


@dataclass(frozen=True)
class OptionRow:
    """One option of the item.

    Attributes
    ----------
    option_id, text : str
    is_key : bool
    proportion : float
        Share of the students choosing it.
    point_biserial : float or None
        Correlation of choosing it with ability (None when nobody or everybody chose it).
    by_group : list of float, length G
        Share choosing it in each ability group, low to high.
    suspect : bool
        The distractor that makes the item look miskeyed.
    """

    option_id: str
    text: str
    is_key: bool
    proportion: float
    point_biserial: float | None
    by_group: list[float]
    suspect: bool


@dataclass(frozen=True)
class ItemDistractors:
    """An item's options by ability group.

    Attributes
    ----------
    n : int
        Students with a recorded choice and an ability estimate.
    groups : list of tuple of float, length G
        Lowest and highest ability of each group.
    options : list of OptionRow
    miskey : bool
        A distractor attracts the able students more than the key.
    """

    n: int
    groups: list[tuple[float, float]]
    options: list[OptionRow]
    miskey: bool


def item_distractors(session: Session, analysis: BankAnalysis, item: Item) -> ItemDistractors | None:
    """The distractor analysis of ``item`` (None unless single choice with :data:`MIN_STUDENTS` choices).

    Parameters
    ----------
    session : Session
    analysis : BankAnalysis
        Gives each student's EAP ability (``analysis.data.fit.eap.theta``, shape (N,)).
    item : Item

    Returns
    -------
    ItemDistractors or None
    """
    if item.interaction != "single_choice" or not item.choices:
        return None
    option_ids = [str(c["id"]) for c in item.choices]
    if item.key not in option_ids:
        return None
    stmt = (
        select(Student.external_id, Response.answer, Response.id)
        .join(Student, Student.id == Response.student_id)
        .where(Response.item_id == item.id, effective_filter(), Response.score.is_not(None))
        .order_by(Response.id)
    )
    latest = {ext: answer for ext, answer, _ in session.exec(stmt).all() if answer in option_ids}
    position = {sid: i for i, sid in enumerate(analysis.data.responses.student_ids.tolist())}
    theta = analysis.data.fit.eap.theta
    known = [(ext, answer) for ext, answer in latest.items() if ext in position]
    if len(known) < MIN_STUDENTS:
        return None
    choices = np.array([option_ids.index(answer) for _, answer in known], dtype=float)[:, None]
    ability = np.array([theta[position[ext]] for ext, _ in known])
    found = distractor_analysis(choices, [option_ids.index(item.key)], [item.id], n_groups=N_GROUPS, ability=ability)
    texts = {str(c["id"]): str(c.get("text", "")) for c in item.choices}
    seen = found.options.tolist()
    rows = []
    for o, code in enumerate(seen):
        pbis = float(found.point_biserial[0, o])
        rows.append(
            OptionRow(
                option_id=option_ids[code],
                text=texts[option_ids[code]],
                is_key=code == int(found.key[0]),
                proportion=float(found.proportion[0, o]),
                point_biserial=pbis if np.isfinite(pbis) else None,
                by_group=[float(x) for x in found.group_proportion[0, o]],
                suspect=bool(found.miskey[0]) and code == int(found.suspect_option[0]),
            )
        )
    for code, oid in enumerate(option_ids):  # options nobody chose
        if code not in seen:
            rows.append(OptionRow(oid, texts[oid], False, 0.0, None, [0.0] * N_GROUPS, False))
    rows.sort(key=lambda r: option_ids.index(r.option_id))
    groups = [(float(lo), float(hi)) for lo, hi in found.group_bounds]
    return ItemDistractors(n=len(known), groups=groups, options=rows, miskey=bool(found.miskey[0]))
