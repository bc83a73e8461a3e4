"""What a real bank has besides its good live items: a life cycle and a few flaws for the psychometrician to find.

* **Statuses**: items still being written (draft: never given), items being
  tried out (pretest: answered in the district's history and calibrated,
  not yet live) and items taken out of use (retired after the calibration).
* **A miskeyed item** (:data:`MISKEYED`): its stored key is a distractor.
  Students who know the answer mostly choose the real answer and are scored
  wrong; the keyed distractor is chosen by some of them and by guessers.
  The distractor analysis finds a distractor chosen by the abler students
  (``miskey``) and the item barely correlates with the rest (``rit``).
* **An item with DIF** (:data:`DIF_ITEM`): 1.2 logits harder for English
  learners than for other students of the same ability (its wording, not
  its mathematics, is what is harder).  The history's students are English learners or not by
  :func:`language_group`; the Mantel-Haenszel statistic classes the item C.

Both flawed items are on objectives the school has not taught yet, so no
student of the school meets them in a check.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from demo.content.specs import ItemSpec

__all__ = [
    "MISKEYED",
    "DIF_ITEM",
    "DIF_SHIFT",
    "FOCAL",
    "REFERENCE",
    "language_group",
    "language_groups",
    "statuses",
    "stored_key",
    "choose",
]

#: The single-choice item whose stored key is wrong.
MISKEYED = "7SPB4-0007"
#: The single-choice item harder for English learners.
DIF_ITEM = "7GB6-0001"
#: How much harder (logits) :data:`DIF_ITEM` is for English learners.
DIF_SHIFT = 1.2
FOCAL, REFERENCE = "EL", "non-EL"
#: How many items of each status (besides operational); drafts, then pretest, then retired.
_COUNTS = {"draft": 6, "pretest": 8, "retired": 5}
#: Objectives whose items move through the statuses (not taught yet: the school's evidence is untouched).
_CYCLING = ("7.G.A.2", "7.G.A.3", "7.G.B.5", "7.SP.A.2", "7.SP.B.3", "7.SP.C.6", "7.SP.C.8")


def language_group(external_id: str) -> str:
    """English learner (:data:`FOCAL`) or not (:data:`REFERENCE`): every fourth history student (``D00004``, ...) is one."""
    return FOCAL if int(external_id.lstrip("D")) % 4 == 0 else REFERENCE


def language_groups(external_ids: Iterable[str]) -> dict[str, str]:
    """The language group of each history student (``D`` and a number) among ``external_ids``; the school's have none."""
    return {x: language_group(x) for x in external_ids if x[:1] == "D" and x[1:].isdigit()}


def statuses(specs: list[ItemSpec]) -> dict[str, str]:
    """The status of every item that is not operational, by item code.

    The last items of the objectives in :data:`_CYCLING` are taken in turn:
    drafts first, then pretest items, then retired ones; the flawed items stay live.
    """
    by_objective = {o: [s.code for s in specs if s.objective == o] for o in _CYCLING}
    queue = [codes[-1 - k] for k in range(6) for codes in by_objective.values() if len(codes) > 6]
    out, n = {}, 0
    for status, count in _COUNTS.items():
        for code in queue[n : n + count]:
            out[code] = status
        n += count
    return out


def stored_key(spec: ItemSpec) -> str | list[str] | float | None:
    """The key the bank stores: the spec's, except for :data:`MISKEYED` (its first distractor)."""
    if spec.code != MISKEYED:
        return list(spec.key) if isinstance(spec.key, tuple) else spec.key
    return next(c.id for c in spec.choices if c.id != spec.key)


def choose(spec: ItemSpec, knows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The option each student chooses on a single-choice item, from whether they know the answer.

    Parameters
    ----------
    spec : ItemSpec
        A single-choice item.
    knows : ndarray of bool, shape (P,)

    Returns
    -------
    ndarray of str, shape (P,)
        The real answer when they know it, otherwise a distractor at random;
        on :data:`MISKEYED` 55 % of those who know it choose the keyed distractor.
    """
    ids = np.array([c.id for c in spec.choices])
    wrong = ids[ids != spec.key]
    out = np.where(knows, spec.key, wrong[rng.integers(len(wrong), size=knows.size)])
    if spec.code == MISKEYED:
        out = np.where(knows & (rng.random(knows.size) < 0.55), stored_key(spec), out)
    return out
