"""The operational bank as engine arrays in memory, keyed by calibration.

An :class:`OperationalBank` is an immutable snapshot of one live
calibration: the :class:`~engine.irt.parameters.ItemParameters` of the
operational items it calibrated, plus what serving and scoring an item needs
(its interaction, choices, key, rationale, version) and, for every standard,
the positions of the items under it.  Selecting and scoring an item reads
these arrays; no parameter row is queried.

:class:`BankCache` holds the current snapshot and the recent ones (a check
keeps the calibration it started on).  :meth:`BankCache.load` builds a new
snapshot from the database and swaps it in with one reference assignment
under a lock, so a request sees either the old bank or the new one, never a
mix.  In a deployment of several processes each process reloads when it
sees that the bank's *version* in the database has changed: the live
calibration id and the latest item edit (:func:`bank_version`,
:meth:`BankCache.refresh_if_stale`, polled by the service every few seconds).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from engine.adaptive.bank import AdaptiveBank
from engine.irt.parameters import ItemParameters
from engine.mastery.bands import BandScheme, cuts_from_percent
from itembank.answers import canonical_key
from itembank.tables import SELF_SCORING, Calibration, Item, ItemParameter, ItemStatus, Standard

__all__ = [
    "ItemContent",
    "OperationalBank",
    "BankCache",
    "NoLiveBank",
    "PERCENT_CUTS",
    "load_parameters",
    "standard_tree",
    "build_bank",
    "live_calibration_id",
    "bank_version",
]


class NoLiveBank(LookupError):
    """No calibration is live (or the live one calibrated no operational item)."""


@dataclass(frozen=True)
class ItemContent:
    """What serving and scoring one item needs, without its parameters."""

    id: str
    stem: str
    interaction: str
    choices: tuple[dict, ...]
    key: Any
    tolerance: float
    rationale: str
    version: int
    n_categories: int
    objective_id: int | None
    dok: int
    rubric: tuple[dict, ...] = ()
    #: a match's targets; a gap match's gaps
    targets: tuple[dict, ...] = ()
    #: the stem as sanitized XHTML, when it is more than text
    stem_html: str | None = None
    #: partial credit (itembank.answers)
    scoring: dict | None = None

    @classmethod
    def from_row(cls, item: Item) -> ItemContent:
        return cls(
            id=item.id,
            stem=item.stem,
            interaction=item.interaction,
            choices=tuple(dict(c) for c in (item.choices or [])),
            key=canonical_key(item.interaction, item.key),
            tolerance=float(item.tolerance or 0.0),
            rationale=item.rationale,
            version=item.version,
            n_categories=item.n_categories,
            objective_id=item.objective_id,
            dok=item.dok,
            rubric=tuple(dict(r) for r in (item.rubric or [])),
            targets=tuple(dict(t) for t in (item.targets or [])),
            stem_html=item.stem_html,
            scoring=dict(item.scoring) if item.scoring else None,
        )

    @property
    def self_scoring(self) -> bool:
        return self.interaction in {i.value for i in SELF_SCORING}


@dataclass(frozen=True)
class OperationalBank:
    """One calibration's operational items as engine arrays.

    Attributes
    ----------
    calibration_id : int
    params : ItemParameters
        Parameters of the bank's items, in bank order.
    content : dict of str to ItemContent
    self_scoring : ndarray of bool, shape (J,)
        Items a machine scores (usable in adaptive checks).
    standard_items : dict of int to ndarray of int
        For every standard id, the positions of the bank items under it
        (its own and its descendants' objectives).
    adaptive : AdaptiveBank
        The self-scoring items compiled for adaptive checks; objective names
        are learning-objective ids as strings.
    full : AdaptiveBank
        Every item (rubric items too), for estimating mastery from any evidence.
    schemes : dict of int to BandScheme
        Band cuts per standard: where its items' test characteristic curve
        reaches 50 % and 70 % of the points (the default three tiers when
        that fails).
    standards : dict of int to tuple
        ``(code, level, parent_id)`` of every standard.
    rho : float
        Correlation of standard and general ability for the empirical-Bayes
        mastery prior (0: each standard alone).
    """

    calibration_id: int
    params: ItemParameters
    content: dict[str, ItemContent]
    self_scoring: np.ndarray
    standard_items: dict[int, np.ndarray] = field(default_factory=dict)
    adaptive: AdaptiveBank | None = None
    full: AdaptiveBank | None = None
    schemes: dict[int, BandScheme] = field(default_factory=dict)
    standards: dict[int, tuple] = field(default_factory=dict)
    rho: float = 0.0

    @property
    def n_items(self) -> int:
        return self.params.n_items

    def items_under(self, standard_id: int, *, self_scoring_only: bool = False) -> np.ndarray:
        """Positions of the bank items under ``standard_id`` (possibly empty)."""
        pos = self.standard_items.get(standard_id, np.zeros(0, dtype=int))
        if self_scoring_only:
            pos = pos[self.self_scoring[pos]]
        return pos

    def objectives_under(self, standard_id: int) -> list[str]:
        """Objective names (ids as str) under ``standard_id`` with self-scoring items."""
        pos = self.items_under(standard_id, self_scoring_only=True)
        return sorted({str(self.content[i].objective_id) for i in self.params.item_ids[pos].tolist()})

    def scheme(self, standard_id: int) -> BandScheme:
        """The band scheme of a standard (default three tiers when unknown)."""
        return self.schemes.get(standard_id) or BandScheme()


#: Percent-of-points cuts of the three tiers (red | yellow | green).
PERCENT_CUTS = (50.0, 70.0)


def _schemes(params: ItemParameters, standard_items: dict[int, np.ndarray]) -> dict[int, BandScheme]:
    out = {}
    for sid, pos in standard_items.items():
        if pos.size == 0:
            continue
        try:
            out[sid] = BandScheme.tiers(cuts_from_percent(params.subset(pos), PERCENT_CUTS))
        except ValueError:
            out[sid] = BandScheme()
    return out


def load_parameters(session: Session, calibration_id: int, item_ids: list[str] | None = None) -> ItemParameters:
    """A calibration's parameter rows as an :class:`ItemParameters` table."""
    stmt = select(ItemParameter).where(ItemParameter.calibration_id == calibration_id)
    if item_ids is not None:
        stmt = stmt.where(ItemParameter.item_id.in_(item_ids))
    rows = sorted(session.exec(stmt).all(), key=lambda r: r.item_id)
    if not rows:
        raise NoLiveBank(f"calibration {calibration_id} has no item parameters")
    width = max([len(r.thresholds or []) for r in rows] + [1])
    thr = np.full((len(rows), width), np.nan)
    for i, r in enumerate(rows):
        if r.thresholds:
            thr[i, : len(r.thresholds)] = r.thresholds
    params = ItemParameters.from_arrays(
        [r.item_id for r in rows],
        [r.model for r in rows],
        a=[r.a for r in rows],
        b=[np.nan if r.b is None else r.b for r in rows],
        c=[0.0 if r.c is None else r.c for r in rows],
        d=[1.0 if r.d is None else r.d for r in rows],
        thresholds=thr,
        n_categories=[r.n_categories for r in rows],
    )
    names = sorted({k for r in rows for k in (r.se or {})})
    if names:
        se = {}
        for name in names:
            se[name] = np.array([np.nan if (r.se or {}).get(name) is None else float(r.se[name]) for r in rows])
        params = replace(params, se=se)
    return params


def standard_tree(session: Session) -> dict[int, list[int]]:
    """For every standard id, the ids of itself and all its descendants."""
    rows = session.exec(select(Standard.id, Standard.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for sid, parent in rows:
        children.setdefault(parent, []).append(sid)
    out: dict[int, list[int]] = {}
    for sid, _ in rows:
        stack, seen = [sid], []
        while stack:
            node = stack.pop()
            seen.append(node)
            stack.extend(children.get(node, []))
        out[sid] = seen
    return out


def build_bank(session: Session, calibration_id: int) -> OperationalBank:
    """Snapshot calibration ``calibration_id``'s operational items."""
    items = session.exec(
        select(Item)
        .join(ItemParameter, ItemParameter.item_id == Item.id)
        .where(ItemParameter.calibration_id == calibration_id, Item.status == ItemStatus.operational.value)
    ).all()
    if not items:
        raise NoLiveBank(f"calibration {calibration_id} calibrated no operational item")
    params = load_parameters(session, calibration_id, [it.id for it in items])
    if np.any(~(params.a > 0)):
        # a negative slope (a miskeyed or flawed item) is kept in the calibration
        # for the psychometrician to see, but never served or used for mastery
        params = params.subset(np.flatnonzero(params.a > 0))
        if params.n_items == 0:
            raise NoLiveBank(f"calibration {calibration_id} has no item with a positive slope")
    content = {it.id: ItemContent.from_row(it) for it in items if it.id in params.index_of}
    ordered = [content[i] for i in params.item_ids.tolist()]
    self_scoring = np.array([c.self_scoring for c in ordered], dtype=bool)
    objective = np.array([-1 if c.objective_id is None else c.objective_id for c in ordered])
    standard_items = {
        sid: np.flatnonzero(np.isin(objective, members)) for sid, members in standard_tree(session).items()
    }
    standards = {
        sid: (code, level, parent)
        for sid, code, level, parent in session.exec(
            select(Standard.id, Standard.code, Standard.level, Standard.parent_id)
        ).all()
    }
    names = np.array([str(o) for o in objective])
    dok = np.array([str(c.dok) for c in ordered])
    full = AdaptiveBank.from_parameters(params, objectives=names, dok=dok)
    adaptive = None
    if np.any(self_scoring):
        pos = np.flatnonzero(self_scoring)
        adaptive = AdaptiveBank.from_parameters(params.subset(pos), objectives=names[pos], dok=dok[pos])
    rho = session.exec(select(Calibration.mastery_rho).where(Calibration.id == calibration_id)).first()
    return OperationalBank(
        calibration_id,
        params,
        content,
        self_scoring,
        standard_items,
        adaptive=adaptive,
        full=full,
        schemes=_schemes(params, standard_items),
        standards=standards,
        rho=float(rho or 0.0),
    )


def bank_version(session: Session) -> tuple:
    """What the live bank depends on: the live calibration and the latest item edit."""
    latest = session.exec(select(func.max(Item.updated_at))).one()
    return live_calibration_id(session), None if latest is None else str(latest)


def live_calibration_id(session: Session) -> int | None:
    """The id of the live calibration, or None."""
    return session.exec(select(Calibration.id).where(Calibration.live == True)).first()  # noqa: E712


class BankCache:
    """The live bank and a few recent ones, swapped atomically.

    Parameters
    ----------
    keep : int
        How many past calibrations stay loaded for checks started on them.
    """

    def __init__(self, keep: int = 4) -> None:
        self._lock = threading.Lock()
        self._banks: OrderedDict[int, OperationalBank] = OrderedDict()
        self._live: OperationalBank | None = None
        self._keep = keep
        self._version: tuple | None = None

    @property
    def live(self) -> OperationalBank:
        """The live bank; :class:`NoLiveBank` when none is loaded."""
        bank = self._live
        if bank is None:
            raise NoLiveBank("no calibration is live: calibrate the bank and make a calibration live first")
        return bank

    @property
    def live_id(self) -> int | None:
        bank = self._live
        return None if bank is None else bank.calibration_id

    def get(self, calibration_id: int, engine: Engine | None = None) -> OperationalBank:
        """The bank of ``calibration_id``, loading it from ``engine`` if needed."""
        bank = self._banks.get(calibration_id)
        if bank is not None:
            return bank
        if engine is None:
            raise NoLiveBank(f"calibration {calibration_id} is not loaded")
        with Session(engine) as session:
            bank = build_bank(session, calibration_id)
        self._store(bank, live=False)
        return bank

    def load(self, engine: Engine) -> OperationalBank | None:
        """Rebuild the live bank from the database and swap it in."""
        with Session(engine) as session:
            self._version = bank_version(session)
            cid = live_calibration_id(session)
            if cid is None:
                with self._lock:
                    self._live = None
                return None
            try:
                bank = build_bank(session, cid)
            except NoLiveBank:
                with self._lock:
                    self._live = None
                return None
        self._store(bank, live=True)
        return bank

    def refresh_if_stale(self, engine: Engine) -> bool:
        """Reload when the bank's version in the database differs from ours; True when reloaded."""
        with Session(engine) as session:
            version = bank_version(session)
        if version != self._version:
            self.load(engine)
            return True
        return False

    def install(self, bank: OperationalBank, *, live: bool = True) -> None:
        """Put a prebuilt bank in the cache (and make it the live one)."""
        self._store(bank, live=live)

    def _store(self, bank: OperationalBank, *, live: bool) -> None:
        with self._lock:
            self._banks[bank.calibration_id] = bank
            self._banks.move_to_end(bank.calibration_id)
            if live:
                self._live = bank
            live_id = None if self._live is None else self._live.calibration_id
            stale = [cid for cid in self._banks if cid != live_id]
            for cid in stale[: max(0, len(self._banks) - self._keep)]:
                del self._banks[cid]
