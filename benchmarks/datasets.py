"""Seeded 2PL data sets for the calibration benchmark (issue 3).

Every scenario is drawn from one ``np.random.default_rng(seed)`` in a fixed
order, so the same seed gives the same bytes on every machine with the same
numpy major version:

1. true slopes ``a = clip(rng.lognormal(0, 0.25, J), 0.5, 2.5)``;
2. true difficulties ``b = rng.normal(0, 1, J)``;
3. true abilities ``theta = rng.normal(0, 1, N)``;
4. then, students in chunks of ``chunk`` rows, in order:

   * dense scenarios: ``u = rng.random((rows, J))`` and the score is
     ``u < expit(a * (theta - b))`` (logistic metric, no 1.702);
   * sparse scenarios: the number of answers of each student of the chunk
     (``n_answers`` fixed, or ``max(min_answers, rng.poisson(n_answers))``
     when ``poisson_answers``), then random keys
     ``rng.random((rows, J), dtype=float32)``; a student answers the items
     of her ``n_i`` smallest keys (a uniform random subset: missing
     completely at random), then ``u = rng.random(n_chunk_answers)`` scores
     them as above.

Sparse scenarios are generated chunk by chunk in long form (student, item,
score): no dense students x items response matrix is ever built.  Data are
cached as ``.npz`` under ``benchmarks/.data/`` (git-ignored) keyed by name,
seed and :data:`GENERATOR_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import expit

__all__ = [
    "GENERATOR_VERSION",
    "SCENARIOS",
    "Scenario",
    "Dataset",
    "generate",
    "load",
    "data_dir",
]

#: Bump when the generator changes so stale caches are not reused.
GENERATOR_VERSION = 1


@dataclass(frozen=True)
class Scenario:
    """One benchmark configuration.

    Attributes
    ----------
    name : str
        Short key used on the command line and in file names.
    title : str
        Row label of the results table.
    n_students, n_items : int
        N and J.
    n_answers : int or None
        Answers per student for sparse scenarios (None: dense, complete).
    poisson_answers : bool
        Draw each student's count as ``max(min_answers, Poisson(n_answers))``.
    min_answers : int
        Lower bound of the Poisson count.
    seed : int
        Seed of ``np.random.default_rng``.
    chunk : int
        Students generated per chunk (memory bound of the generator).
    """

    name: str
    title: str
    n_students: int
    n_items: int
    n_answers: int | None = None
    poisson_answers: bool = False
    min_answers: int = 10
    seed: int = 20260
    chunk: int = 1000

    @property
    def dense(self) -> bool:
        """True when every student answers every item."""
        return self.n_answers is None


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("dense-5k", "2PL dense 5,000 x 50", 5_000, 50, seed=31),
        Scenario("dense-20k", "2PL dense 20,000 x 200", 20_000, 200, seed=32),
        Scenario(
            "sparse-50k",
            "2PL sparse 50,000 students, 1,000-item bank, 40 answers each",
            50_000,
            1_000,
            n_answers=40,
            seed=33,
        ),
        Scenario(
            "sparse-11785x36259",
            "2PL sparse 11,785 x 36,259, ~100 answers each (Poisson)",
            11_785,
            36_259,
            n_answers=100,
            poisson_answers=True,
            seed=34,
            chunk=256,
        ),
    )
}


@dataclass(frozen=True)
class Dataset:
    """Simulated responses in long form plus the true parameters.

    Attributes
    ----------
    name : str
    n_students, n_items : int
    student, item : ndarray of int32, shape (R,)
        Answered cells, sorted by student then item.
    score : ndarray of int8, shape (R,)
        0/1 scores.
    a, b : ndarray of float64, shape (J,)
        True slopes and difficulties (logistic metric).
    theta : ndarray of float64, shape (N,)
        True abilities.
    dense : bool
        True when every cell is answered (``R == N * J``).
    """

    name: str
    n_students: int
    n_items: int
    student: np.ndarray
    item: np.ndarray
    score: np.ndarray
    a: np.ndarray
    b: np.ndarray
    theta: np.ndarray
    dense: bool

    @property
    def n_responses(self) -> int:
        """Number of answered cells R."""
        return int(self.score.shape[0])

    @property
    def density(self) -> float:
        """Share of answered cells, R / (N J)."""
        return self.n_responses / (self.n_students * self.n_items)

    def constant_items(self) -> np.ndarray:
        """Positions of items whose answers are all 0 or all 1 (or that have none).

        Returns
        -------
        ndarray of int, shape (n_constant,)
        """
        n = np.bincount(self.item, minlength=self.n_items)
        right = np.bincount(self.item, weights=self.score, minlength=self.n_items)
        return np.flatnonzero((right == 0) | (right == n))

    def drop_items(self, positions) -> Dataset:
        """The same data without the items at ``positions`` (renumbered in order).

        Maximum likelihood has no finite estimate for an item answered all
        right or all wrong, so the benchmark drops such items for every tool
        alike (only the 11,785 x 36,259 scenario has any).
        """
        drop = np.zeros(self.n_items, dtype=bool)
        drop[np.asarray(positions, dtype=np.int64)] = True
        keep = ~drop
        new_index = np.cumsum(keep) - 1
        rows = keep[self.item]
        return Dataset(
            name=self.name,
            n_students=self.n_students,
            n_items=int(keep.sum()),
            student=self.student[rows],
            item=new_index[self.item[rows]].astype(np.int32),
            score=self.score[rows],
            a=self.a[keep],
            b=self.b[keep],
            theta=self.theta,
            dense=self.dense,
        )

    def to_dense(self, missing: float | int = -1, dtype=np.int8) -> np.ndarray:
        """Students x items matrix, ``missing`` where not answered.

        Returns
        -------
        ndarray, shape (N, J)
        """
        x = np.full((self.n_students, self.n_items), missing, dtype=dtype)
        x[self.student, self.item] = self.score
        return x


def data_dir() -> Path:
    """The cache folder ``benchmarks/.data`` (created on demand)."""
    path = Path(__file__).resolve().parent / ".data"
    path.mkdir(exist_ok=True)
    return path


def _answer_counts(scenario: Scenario, rng: np.random.Generator, rows: int) -> np.ndarray:
    if scenario.poisson_answers:
        counts = np.maximum(rng.poisson(scenario.n_answers, rows), scenario.min_answers)
    else:
        counts = np.full(rows, scenario.n_answers)
    return np.minimum(counts, scenario.n_items)


def generate(scenario: Scenario | str, seed: int | None = None) -> Dataset:
    """Draw a scenario (no cache); see the module docstring for the order.

    Parameters
    ----------
    scenario : Scenario or str
        A :class:`Scenario` or a key of :data:`SCENARIOS`.
    seed : int, optional
        Overrides ``scenario.seed``.

    Returns
    -------
    Dataset
    """
    if isinstance(scenario, str):
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; expected one of {sorted(SCENARIOS)}")
        scenario = SCENARIOS[scenario]
    rng = np.random.default_rng(scenario.seed if seed is None else seed)
    n, m = scenario.n_students, scenario.n_items
    a = np.clip(rng.lognormal(0.0, 0.25, m), 0.5, 2.5)
    b = rng.normal(0.0, 1.0, m)
    theta = rng.normal(0.0, 1.0, n)

    students, items, scores = [], [], []
    for start in range(0, n, scenario.chunk):
        rows = np.arange(start, min(start + scenario.chunk, n))
        if scenario.dense:
            u = rng.random((rows.size, m))
            p = expit(a * (theta[rows, None] - b))
            x = (u < p).astype(np.int8)
            students.append(np.repeat(rows, m).astype(np.int32))
            items.append(np.tile(np.arange(m, dtype=np.int32), rows.size))
            scores.append(x.reshape(-1))
            continue
        counts = _answer_counts(scenario, rng, rows.size)
        kmax = int(counts.max())
        keys = rng.random((rows.size, m), dtype=np.float32)
        top = np.argpartition(keys, kmax - 1, axis=1)[:, :kmax]
        # order the kmax smallest keys so the first n_i are the n_i smallest
        top = np.take_along_axis(top, np.argsort(np.take_along_axis(keys, top, axis=1), axis=1), axis=1)
        keep = np.arange(kmax) < counts[:, None]
        s = np.broadcast_to(rows[:, None], top.shape)[keep]
        j = top[keep]
        u = rng.random(j.size)
        y = (u < expit(a[j] * (theta[s] - b[j]))).astype(np.int8)
        order = np.lexsort((j, s))
        students.append(s[order].astype(np.int32))
        items.append(j[order].astype(np.int32))
        scores.append(y[order])

    return Dataset(
        name=scenario.name,
        n_students=n,
        n_items=m,
        student=np.concatenate(students),
        item=np.concatenate(items),
        score=np.concatenate(scores),
        a=a,
        b=b,
        theta=theta,
        dense=scenario.dense,
    )


def _cache_path(scenario: Scenario, seed: int) -> Path:
    return data_dir() / f"{scenario.name}-seed{seed}-v{GENERATOR_VERSION}.npz"


def load(scenario: Scenario | str, seed: int | None = None, *, cache: bool = True) -> Dataset:
    """Generate a scenario or read it from ``benchmarks/.data``.

    Parameters
    ----------
    scenario : Scenario or str
    seed : int, optional
        Overrides ``scenario.seed``.
    cache : bool
        Read and write the ``.npz`` cache.

    Returns
    -------
    Dataset
    """
    if isinstance(scenario, str):
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; expected one of {sorted(SCENARIOS)}")
        scenario = SCENARIOS[scenario]
    seed = scenario.seed if seed is None else seed
    path = _cache_path(scenario, seed)
    if cache and path.exists():
        with np.load(path) as z:
            return Dataset(
                name=scenario.name,
                n_students=int(z["shape"][0]),
                n_items=int(z["shape"][1]),
                student=z["student"],
                item=z["item"],
                score=z["score"],
                a=z["a"],
                b=z["b"],
                theta=z["theta"],
                dense=bool(z["dense"]),
            )
    data = generate(scenario, seed)
    if cache:
        tmp = path.with_suffix(".tmp.npz")
        np.savez(
            tmp,
            shape=np.array([data.n_students, data.n_items]),
            student=data.student,
            item=data.item,
            score=data.score,
            a=data.a,
            b=data.b,
            theta=data.theta,
            dense=np.array(data.dense),
        )
        tmp.replace(path)
    return data
