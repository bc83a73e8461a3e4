"""Item parameter tables: the reported IRT parameters and their engine form.

:class:`ItemParameters` is the table a person reads and writes (docs/architecture.md,
Data formats: ``item_id, model, a, b, c, d, b1, b2, …``), in mirt's
``IRTpars = TRUE`` metric.  Internally the engine works per *group* of items
that share a family and a number of categories (:class:`ItemGroup`), on the
slope-intercept parameters of :mod:`engine.irt.models`; so every computation over
a mixed bank is a loop over at most a handful of groups, never over items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike

from engine.irt.models import GRADED, LOGISTIC, ItemFamily, ModelSpec, model_spec

__all__ = ["ItemParameters", "ItemGroup", "PARAMETER_COLUMNS", "group_positions"]

#: Reported parameter names; polytomous thresholds are b1, b2, ...
PARAMETER_COLUMNS = ("a", "b", "c", "d")


@dataclass(frozen=True)
class ItemGroup:
    """Items of one family with the same number of categories.

    Attributes
    ----------
    family : ItemFamily
    n_categories : int
        K, the same for every item of the group.
    index : ndarray of int, shape (n,)
        Positions of the group's items in the bank.
    eta : ndarray, shape (n, p)
        Internal (slope-intercept) parameters.
    free : ndarray of bool, shape (n, p)
        Which internal parameters calibration estimates.
    logit : tuple of int
        Internal parameter indices estimated on the logit scale.
    """

    family: ItemFamily
    n_categories: int
    index: np.ndarray
    eta: np.ndarray
    free: np.ndarray
    logit: tuple[int, ...] = ()

    def with_eta(self, eta: np.ndarray) -> ItemGroup:
        return replace(self, eta=eta)

    def probabilities(self, theta: np.ndarray) -> np.ndarray:
        """Category probabilities on ``theta``, shape ``(Q, n, K)``."""
        return self.family.probabilities(theta, self.eta, self.n_categories)

    def log_probabilities(self, theta: np.ndarray) -> np.ndarray:
        """Log category probabilities on ``theta`` (at least ``log(1e-300)``), shape ``(Q, n, K)``."""
        return self.family.log_probabilities(theta, self.eta, self.n_categories)


def group_positions(groups: Sequence[ItemGroup], n_items: int) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``n_items`` items, its group number and row in the group, each ``(J,)``."""
    group_of = np.empty(n_items, dtype=int)
    row_of = np.empty(n_items, dtype=int)
    for gi, g in enumerate(groups):
        group_of[g.index] = gi
        row_of[g.index] = np.arange(len(g.index))
    return group_of, row_of


@dataclass(frozen=True)
class ItemParameters:
    """A bank's item parameters in the reported (IRT) metric.

    Attributes
    ----------
    item_ids : ndarray of str, shape (J,)
    model : ndarray of str, shape (J,)
        One of ``rasch, 1pl, 2pl, 3pl, 4pl, grm, gpcm`` per item.
    n_categories : ndarray of int, shape (J,)
    a, b, c, d : ndarray, shape (J,)
        Slope, difficulty, lower and upper asymptote; ``b``, ``c`` and ``d``
        are NaN for polytomous items.
    thresholds : ndarray, shape (J, Kmax - 1)
        ``b1 .. b{K-1}`` of polytomous items, NaN-padded (all NaN for
        dichotomous items).
    se : dict of str to ndarray
        Standard errors by column name (``a``, ``b``, ``b1`` …), same shapes as
        the parameters; empty when not computed.
    """

    item_ids: np.ndarray
    model: np.ndarray
    n_categories: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray
    thresholds: np.ndarray
    se: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        j = len(self.item_ids)
        for name in ("model", "n_categories", "a", "b", "c", "d"):
            if len(getattr(self, name)) != j:
                raise ValueError(f"{name} should have length {j} (one per item), got {len(getattr(self, name))}")
        if self.thresholds.ndim != 2 or self.thresholds.shape[0] != j:
            raise ValueError(f"thresholds should have shape ({j}, Kmax-1), got {self.thresholds.shape}")
        if len(set(self.item_ids.tolist())) != j:
            raise ValueError("item ids must be unique")
        for m, k, iid in zip(self.model, self.n_categories, self.item_ids):
            try:
                model_spec(str(m), int(k))
            except ValueError as err:
                raise ValueError(f"item {iid}: {err}") from None
        # a negative slope is legal (a miskeyed item calibrates so) and is
        # flagged by fit statistics; zero or non-finite slopes are not
        bad = ~(np.isfinite(self.a) & (self.a != 0))
        if np.any(bad):
            raise ValueError(f"item {self.item_ids[np.argmax(bad)]}: slope a must be a finite nonzero number")
        dich = self.n_categories == 2
        if np.any(dich & ~np.isfinite(self.b)):
            raise ValueError(f"item {self.item_ids[np.argmax(dich & ~np.isfinite(self.b))]}: difficulty b is missing")
        if np.any(dich & ~((self.c >= 0) & (self.c < self.d) & (self.d <= 1))):
            bad = dich & ~((self.c >= 0) & (self.c < self.d) & (self.d <= 1))
            raise ValueError(f"item {self.item_ids[np.argmax(bad)]}: asymptotes need 0 <= c < d <= 1")
        poly = ~dich
        if np.any(poly):
            width = np.arange(self.thresholds.shape[1])[None, :] < (self.n_categories - 1)[:, None]
            need = poly[:, None] & width
            if np.any(need & ~np.isfinite(self.thresholds)):
                row = np.argmax(np.any(need & ~np.isfinite(self.thresholds), axis=1))
                raise ValueError(f"item {self.item_ids[row]}: needs thresholds b1..b{self.n_categories[row] - 1}")
            graded = poly & np.isin(np.char.lower(self.model.astype(str)), ["grm"])
            steps = np.diff(np.where(need, self.thresholds, 0.0), axis=1)
            unordered = graded & np.any(need[:, 1:] & ~(steps > 0), axis=1)
            if np.any(unordered):
                raise ValueError(f"item {self.item_ids[np.argmax(unordered)]}: grm thresholds must increase")

    # ------------------------------------------------------------------ build
    @classmethod
    def from_arrays(
        cls,
        item_ids: ArrayLike,
        model: str | ArrayLike,
        *,
        a: ArrayLike | None = None,
        b: ArrayLike | None = None,
        c: ArrayLike | None = None,
        d: ArrayLike | None = None,
        thresholds: ArrayLike | None = None,
        n_categories: ArrayLike | None = None,
    ) -> ItemParameters:
        """Build a table from per-item arrays, filling the defaults.

        ``model`` may be one name for all items.  ``a`` defaults to 1, ``c``
        to 0, ``d`` to 1.  ``thresholds`` is ``(J, Kmax-1)`` (NaN-padded) for
        polytomous items; ``n_categories`` defaults to 2, or to one more than
        the number of finite thresholds.
        """
        item_ids = np.asarray(item_ids, dtype=object).astype(str)
        j = len(item_ids)
        models = np.asarray([model] * j if isinstance(model, str) else model, dtype=object).astype(str)
        models = np.char.lower(models)

        def col(v: ArrayLike | None, default: float) -> np.ndarray:
            if v is None:
                return np.full(j, default, dtype=float)
            return np.broadcast_to(np.asarray(v, dtype=float), (j,)).copy()

        thr = np.full((j, 0), np.nan) if thresholds is None else np.atleast_2d(np.asarray(thresholds, dtype=float))
        if thr.shape[0] != j:
            raise ValueError(f"thresholds should have {j} rows, got {thr.shape[0]}")
        if n_categories is None:
            n_categories = np.where(np.isfinite(thr).any(axis=1), np.isfinite(thr).sum(axis=1) + 1, 2)
        n_categories = np.broadcast_to(np.asarray(n_categories, dtype=int), (j,)).copy()
        width = max(int(n_categories.max(initial=2)) - 1, thr.shape[1], 1)
        padded = np.full((j, width), np.nan)
        padded[:, : thr.shape[1]] = thr
        dich = n_categories == 2
        return cls(
            item_ids=item_ids,
            model=models,
            n_categories=n_categories,
            a=col(a, 1.0),
            b=np.where(dich, col(b, np.nan), np.nan),
            c=np.where(dich, col(c, 0.0), np.nan),
            d=np.where(dich, col(d, 1.0), np.nan),
            thresholds=np.where(dich[:, None], np.nan, padded),
        )

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def max_categories(self) -> int:
        return int(self.n_categories.max(initial=2))

    @cached_property
    def index_of(self) -> dict[str, int]:
        """Map from item id to its position."""
        return {iid: i for i, iid in enumerate(self.item_ids.tolist())}

    def subset(self, positions: ArrayLike) -> ItemParameters:
        """The table restricted to ``positions`` (array of int or bool)."""
        pos = np.arange(self.n_items)[np.asarray(positions)]
        return ItemParameters(
            item_ids=self.item_ids[pos],
            model=self.model[pos],
            n_categories=self.n_categories[pos],
            a=self.a[pos],
            b=self.b[pos],
            c=self.c[pos],
            d=self.d[pos],
            thresholds=self.thresholds[pos],
            se={k: v[pos] for k, v in self.se.items()},
        )

    # --------------------------------------------------------- engine form
    def specs(self) -> list[ModelSpec]:
        return [model_spec(str(m), int(k)) for m, k in zip(self.model, self.n_categories)]

    @cached_property
    def groups(self) -> tuple[ItemGroup, ...]:
        """The bank as engine groups (family, K), internal parameters."""
        specs = self.specs()
        keys: dict[tuple[str, int], list[int]] = {}
        for i, (spec, k) in enumerate(zip(specs, self.n_categories.tolist())):
            keys.setdefault((spec.family.name, k), []).append(i)
        groups = []
        for (_, k), members in keys.items():
            index = np.asarray(members, dtype=int)
            family = specs[members[0]].family
            free = np.zeros((len(index), family.n_params(k)), dtype=bool)
            for row, i in enumerate(members):
                free[row, list(specs[i].free(k))] = True
            groups.append(
                ItemGroup(
                    family=family,
                    n_categories=k,
                    index=index,
                    eta=self._internal(index, family, k),
                    free=free,
                    logit=specs[members[0]].logit(),
                )
            )
        return tuple(groups)

    @cached_property
    def group_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """For each item, its group number and its row in that group, each ``(J,)``."""
        return group_positions(self.groups, self.n_items)

    def _internal(self, index: np.ndarray, family: ItemFamily, k: int) -> np.ndarray:
        a = self.a[index]
        if family is LOGISTIC:
            return np.column_stack([a, -a * self.b[index], self.c[index], self.d[index]])
        # two-category graded / partial-credit items keep their location in b
        b = self.thresholds[index, : k - 1] if k > 2 else self.b[index, None]
        if family is GRADED:
            return np.column_stack([a, -a[:, None] * b])
        return np.column_stack([a, -a[:, None] * np.cumsum(b, axis=1)])

    def with_groups(self, groups: tuple[ItemGroup, ...], se: dict[str, np.ndarray] | None = None) -> ItemParameters:
        """A new table whose parameters come from engine ``groups``."""
        a, b, c, d = (np.full(self.n_items, np.nan) for _ in range(4))
        thr = np.full_like(self.thresholds, np.nan)
        for g in groups:
            eta, idx = g.eta, g.index
            a[idx] = eta[:, 0]
            if g.family is LOGISTIC:
                b[idx] = -eta[:, 1] / eta[:, 0]
                c[idx] = eta[:, 2]
                d[idx] = eta[:, 3]
            else:
                if g.family is GRADED:
                    locations = -eta[:, 1:] / eta[:, :1]
                else:
                    steps = np.diff(np.column_stack([np.zeros(len(idx)), eta[:, 1:]]), axis=1)
                    locations = -steps / eta[:, :1]
                if g.n_categories == 2:
                    b[idx], c[idx], d[idx] = locations[:, 0], 0.0, 1.0
                else:
                    thr[idx, : g.n_categories - 1] = locations
        return replace(self, a=a, b=b, c=c, d=d, thresholds=thr, se=dict(se or {}))

    def category_probabilities(self, theta: ArrayLike) -> np.ndarray:
        """P(x = k | theta) for every item, shape ``(Q, J, Kmax)`` (0 past K)."""
        theta = np.atleast_1d(np.asarray(theta, dtype=float))
        out = np.zeros((theta.size, self.n_items, self.max_categories))
        for g in self.groups:
            out[:, g.index, : g.n_categories] = g.probabilities(theta)
        return out

    def pair_probabilities(self, theta: ArrayLike, items: ArrayLike) -> np.ndarray:
        """``P(x = k | theta[i])`` of item ``items[i]`` for each pair i.

        Parameters
        ----------
        theta : array_like, shape (P,)
        items : array_like of int, shape (P,)
            Item positions.

        Returns
        -------
        ndarray, shape (P, Kmax)
            Zero past an item's number of categories.
        """
        theta = np.asarray(theta, dtype=float).reshape(-1)
        items = np.asarray(items, dtype=np.intp).reshape(-1)
        group_of, row_of = self.group_positions
        out = np.zeros((theta.size, self.max_categories))
        for gi, g in enumerate(self.groups):
            sel = np.flatnonzero(group_of[items] == gi)
            if sel.size:
                paired = g.family.probabilities(theta[sel][None, :], g.eta[row_of[items[sel]]], g.n_categories)
                out[sel, : g.n_categories] = paired[0]
        return out

    def information(self, theta: ArrayLike) -> np.ndarray:
        """Fisher item information at ``theta``, shape ``(Q, J)``.

        ``I_j(theta) = sum_k (dP_jk/dtheta)^2 / P_jk``.
        """
        theta = np.atleast_1d(np.asarray(theta, dtype=float))
        out = np.zeros((theta.size, self.n_items))
        for g in self.groups:
            p, d1, _ = g.family.theta_derivatives(theta, g.eta, g.n_categories)
            out[:, g.index] = np.sum(d1 * d1 / np.maximum(p, 1e-300), axis=-1)
        return out

    def expected_score(self, theta: ArrayLike) -> np.ndarray:
        """Expected item score sum_k k P_k(theta), shape ``(Q, J)``."""
        p = self.category_probabilities(theta)
        return p @ np.arange(p.shape[-1], dtype=float)
