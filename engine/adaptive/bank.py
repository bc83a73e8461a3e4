"""A bank compiled for adaptive testing: everything that depends only on items.

:class:`AdaptiveBank` is built once per calibrated bank (the item bank keeps it
in memory keyed by calibration version) and holds, on a fine uniform theta
grid,

* ``prob`` — category probabilities ``P(x = k | theta_q)``, laid out
  ``(J + 1, Kmax, Q)`` so that the likelihood row of one answer is one
  contiguous gather (the EAP update of :mod:`engine.adaptive.posterior`);
* ``info`` — Fisher item information ``(Q, J + 1)`` (float32) for selection;
* ``success`` — probability of success ``(Q, J + 1)``: P(correct) for
  dichotomous items, expected score / (K - 1) for rubric items;
* per-node rankings of the items (built lazily, cached) so that choosing the
  best unseen item costs O(test length), not O(bank size).

Column ``J`` of ``info``/``success`` and row ``J`` of ``prob`` is a sentinel
(information ``-inf``): padded index arrays use ``-1`` for "no item", which
numpy resolves to that sentinel, so no masking is needed on hot paths.

Items carry a learning-objective code and a DOK level; blueprints and
morning work use them.  Sympson-Hetter control parameters, found by
simulation (:func:`engine.adaptive.simulation.calibrate_sympson_hetter`), are
attached with :meth:`AdaptiveBank.with_exposure_control`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from engine.irt.parameters import ItemParameters

__all__ = ["AdaptiveBank", "Ranking", "DEFAULT_NODES", "DEFAULT_LIMITS"]

#: Default grid: 121 nodes on [-6, 6] (step 0.1).
DEFAULT_NODES = 121
DEFAULT_LIMITS = (-6.0, 6.0)
_FLOOR = 1e-300

#: ``(order, start, overall, rank_order, rank_overall, category)`` of :meth:`AdaptiveBank.ranking`.
Ranking = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _codes(values: Sequence[object] | np.ndarray | None, j: int, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes (J,) and their sorted labels for per-item labels."""
    if values is None:
        return np.zeros(j, dtype=np.int64), ("all",)
    arr = np.asarray(values, dtype=object).astype(str)
    if arr.shape != (j,):
        raise ValueError(f"{name} should have one label per item, shape ({j},), got {arr.shape}")
    labels, codes = np.unique(arr, return_inverse=True)
    return codes.astype(np.int64), tuple(labels.tolist())


@dataclass(frozen=True, eq=False)
class AdaptiveBank:
    """Item bank precompiled on a theta grid (see module docstring).

    Attributes
    ----------
    params : ItemParameters
        The bank's parameters (J items).
    nodes : ndarray, shape (Q,)
        Uniform theta grid.
    prob : ndarray, shape (J + 1, Kmax, Q)
        Category probabilities on the grid (sentinel row ``J`` is all ones).
    info : ndarray of float32, shape (Q, J + 1)
        Fisher information on the grid (sentinel column ``-inf``).
    success : ndarray of float32, shape (Q, J + 1)
        Probability of success on the grid (sentinel column NaN).
    objective : ndarray of int, shape (J,)
        Learning-objective code of each item (index into ``objective_names``).
    objective_names : tuple of str
    dok : ndarray of int, shape (J,)
        Depth-of-knowledge level code (index into ``dok_names``).
    dok_names : tuple of str
    control : ndarray, shape (J,)
        Sympson-Hetter control parameters (probability an item is
        administered when selected); ones when no exposure control is fitted.
    """

    params: ItemParameters
    nodes: np.ndarray
    prob: np.ndarray
    info: np.ndarray
    success: np.ndarray
    objective: np.ndarray
    objective_names: tuple[str, ...]
    dok: np.ndarray
    dok_names: tuple[str, ...]
    control: np.ndarray
    #: Lazily built, immutable derived tables (rankings, log tables), keyed by what built them.
    _cache: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)
    # plain attributes for the hot path (no property chains per call), set in __post_init__
    _j: int = field(init=False, repr=False, compare=False)
    _powers: np.ndarray = field(init=False, repr=False, compare=False)
    _midpoints: np.ndarray = field(init=False, repr=False, compare=False)

    # ------------------------------------------------------------ build
    @classmethod
    def from_parameters(
        cls,
        params: ItemParameters,
        *,
        objectives: Sequence[str] | np.ndarray | None = None,
        dok: Sequence[object] | np.ndarray | None = None,
        n_nodes: int = DEFAULT_NODES,
        limits: tuple[float, float] = DEFAULT_LIMITS,
    ) -> AdaptiveBank:
        """Compile ``params`` on a uniform grid of ``n_nodes`` over ``limits``.

        Parameters
        ----------
        params : ItemParameters
            J items, any mix of models.
        objectives : sequence of str, shape (J,), optional
            Learning objective of each item (default: one objective "all").
        dok : sequence, shape (J,), optional
            Depth-of-knowledge level of each item (default: one level "all").
        n_nodes : int
            Grid size (at least 21).
        limits : (float, float)
            Grid end points.
        """
        if not isinstance(params, ItemParameters):
            raise ValueError(f"params should be an ItemParameters table, got {type(params).__name__}")
        if params.n_items == 0:
            raise ValueError("the bank has no items")
        if int(n_nodes) < 21:
            raise ValueError(f"n_nodes should be at least 21, got {n_nodes}")
        lo, hi = float(limits[0]), float(limits[1])
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"limits should be two finite numbers low < high, got {limits}")
        j = params.n_items
        nodes = np.linspace(lo, hi, int(n_nodes))
        p = params.category_probabilities(nodes)  # (Q, J, Kmax)
        kmax = p.shape[-1]
        prob = np.ones((j + 1, kmax, nodes.size))
        prob[:j] = np.maximum(np.transpose(p, (1, 2, 0)), _FLOOR)
        past = np.arange(kmax)[None, :] >= params.n_categories[:, None]
        prob[:j][past] = 0.0  # categories past K stay impossible
        info = np.full((nodes.size, j + 1), -np.inf, dtype=np.float32)
        info[:, :j] = params.information(nodes)
        success = np.full((nodes.size, j + 1), np.nan, dtype=np.float32)
        success[:, :j] = (p @ np.arange(kmax, dtype=float)) / (params.n_categories - 1)[None, :]
        obj_codes, obj_names = _codes(objectives, j, "objectives")
        dok_codes, dok_names = _codes(dok, j, "dok")
        return cls(
            params=params,
            nodes=nodes,
            prob=prob,
            info=info,
            success=success,
            objective=obj_codes,
            objective_names=obj_names,
            dok=dok_codes,
            dok_names=dok_names,
            control=np.ones(j),
        )

    def prepare(
        self,
        criteria: Sequence[str] = ("max-info", "target-p"),
        p_target: float = 0.75,
        with_dok: Sequence[bool] = (False,),
    ) -> AdaptiveBank:
        """Build the selection rankings now (e.g. when the service loads the bank).

        They are otherwise built on first use and cached; building twice from
        two threads is wasteful but harmless (the cache holds immutable
        results).  Returns ``self``.
        """
        for criterion in criteria:
            for dok in with_dok:
                self.ranking(criterion, p_target, dok)
        return self

    def with_exposure_control(self, control: Sequence[float] | np.ndarray) -> AdaptiveBank:
        """The same bank with Sympson-Hetter control parameters ``control`` (J,)."""
        control = np.asarray(control, dtype=float)
        if control.shape != (self.n_items,):
            raise ValueError(f"control should have shape ({self.n_items},), got {control.shape}")
        if np.any(~np.isfinite(control) | (control <= 0) | (control > 1)):
            raise ValueError("control parameters should lie in (0, 1]")
        return replace(self, control=control, _cache={})

    # ------------------------------------------------------------ facts
    def __post_init__(self) -> None:
        object.__setattr__(self, "_j", int(self.params.n_items))
        object.__setattr__(self, "_powers", np.column_stack([self.nodes, self.nodes * self.nodes]))
        object.__setattr__(self, "_midpoints", 0.5 * (self.nodes[1:] + self.nodes[:-1]))

    @property
    def n_items(self) -> int:
        return self._j

    @property
    def n_nodes(self) -> int:
        return self.nodes.size

    @property
    def item_ids(self) -> np.ndarray:
        return self.params.item_ids

    @property
    def n_categories(self) -> np.ndarray:
        return self.params.n_categories

    @property
    def step(self) -> float:
        return float(self.nodes[1] - self.nodes[0])

    @property
    def n_objectives(self) -> int:
        return len(self.objective_names)

    @property
    def n_dok(self) -> int:
        return len(self.dok_names)

    def positions(self, item_ids: Sequence[str]) -> np.ndarray:
        """Positions (n,) of ``item_ids``; unknown ids raise ``ValueError``."""
        index = self.params.index_of
        try:
            return np.asarray([index[str(i)] for i in item_ids], dtype=np.int64)
        except KeyError as err:
            raise ValueError(f"unknown item id {err.args[0]!r}") from None

    def objective_code(self, name: str) -> int:
        try:
            return self.objective_names.index(str(name))
        except ValueError:
            raise ValueError(f"unknown objective {name!r}") from None

    def node_index(self, theta: np.ndarray) -> np.ndarray:
        """Nearest grid node of each ``theta`` (any shape), clipped to the grid.

        One ``searchsorted`` on the cell midpoints (a tie goes to the lower node).
        """
        return np.searchsorted(self._midpoints, theta)

    def content_key(self, with_dok: bool) -> tuple[np.ndarray, int]:
        """Per-item content category (J,) and the number of categories.

        Objective alone, or objective x DOK (``objective * n_dok + dok``).
        """
        if with_dok:
            return self.objective * self.n_dok + self.dok, self.n_objectives * self.n_dok
        return self.objective, self.n_objectives

    # ------------------------------------------------------------ rankings
    def ranking(self, criterion: str, p_target: float = 0.75, with_dok: bool = False) -> Ranking:
        """Items ranked best-first at every node, grouped by content category.

        Returns
        -------
        order : ndarray of int32, shape (Q, J)
            ``order[q]`` lists the items sorted by content category, then
            best-first by ``criterion`` at node q (ties by position).
        start : ndarray of int, shape (G + 1,)
            ``order[q, start[g]:start[g+1]]`` are the items of category g.
        overall : ndarray of int32, shape (Q, J)
            Items best-first at each node, ignoring content.
        rank_order, rank_overall : ndarray of int32, shape (Q, J + 1)
            Inverse permutations: position of each item in ``order[q]`` and
            ``overall[q]`` (sentinel column ``J`` holds ``J``).
        category : ndarray of int, shape (J + 1,)
            Content category of each item, ``-1`` for the sentinel.
        """
        key = (criterion, p_target if criterion == "target-p" else None, with_dok)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        j = self.n_items
        if criterion == "max-info":
            badness = -self.info[:, :j].astype(np.float64)
        elif criterion == "target-p":
            badness = np.abs(self.success[:, :j].astype(np.float64) - p_target)
        else:
            raise ValueError(f"no precomputed ranking for criterion {criterion!r}")
        cat, n_cat = self.content_key(with_dok)
        overall = np.argsort(badness, axis=1, kind="stable").astype(np.int32)
        # sort by (category, badness): stable sort of the overall order by category
        by_cat = np.take_along_axis(cat[None, :].repeat(self.n_nodes, 0), overall, axis=1)
        inner = np.argsort(by_cat, axis=1, kind="stable")
        order = np.take_along_axis(overall, inner, axis=1).astype(np.int32)
        start = np.concatenate([[0], np.cumsum(np.bincount(cat, minlength=n_cat))])
        # inverse permutations: rank of each item at each node (sentinel column J: rank J)
        q = self.n_nodes
        nodes_idx = np.arange(q)[:, None]
        rank_overall = np.full((q, j + 1), j, dtype=np.int32)
        rank_overall[nodes_idx, overall] = np.arange(j, dtype=np.int32)[None, :]
        rank_order = np.full((q, j + 1), j, dtype=np.int32)
        rank_order[nodes_idx, order] = np.arange(j, dtype=np.int32)[None, :]
        cat_sentinel = np.append(cat, -1)
        out = (order, start, overall, rank_order, rank_overall, cat_sentinel)
        self._cache[key] = out
        return out
