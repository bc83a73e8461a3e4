"""Item response functions: one protocol, three families, seven model names.

Every model of docs/architecture.md (Psychometric conventions) is a member of one of three *families*,
each written once and vectorized over a theta grid and over the items of the
family:

========  =================  ===============================================
family    internal params    response function
========  =================  ===============================================
logistic  (a, delta, c, d)   P(x=1) = c + (d - c) / (1 + exp(-(a theta + delta)))
graded    (a, delta_1..K-1)  P(x >= k) = 1 / (1 + exp(-(a theta + delta_k)))
partial   (a, d_1..d_K-1)    P(x = k) ∝ exp(a k theta + d_k),  d_0 = 0
========  =================  ===============================================

The internal (slope-intercept) parameters are those mirt estimates; the
reported IRT parameters (``b = -delta / a`` and so on) are converted in
:mod:`engine.irt.parameters`.  A *model name* (``rasch``, ``2pl``, ``grm`` …) is a
family plus the set of its parameters that are free.

Each family implements the :class:`ItemFamily` protocol: category
probabilities, their Jacobian with respect to the internal parameters (all the
M-step and the standard errors need), and their first and second derivatives
with respect to theta (information, scoring, WLE).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.special import softmax

__all__ = [
    "ItemFamily",
    "LogisticFamily",
    "GradedFamily",
    "PartialCreditFamily",
    "ModelSpec",
    "MODEL_SPECS",
    "MODEL_NAMES",
    "model_spec",
]

FloatArray = np.ndarray
_TINY = 1e-300
_LOG_TINY = float(np.log(_TINY))


def _log_of(p: FloatArray) -> FloatArray:
    """``log max(p, 1e-300)``."""
    return np.log(np.maximum(p, _TINY))


def _expit(z: FloatArray) -> FloatArray:
    """The logistic function ``1 / (1 + exp(-z))`` (numpy's SIMD exp: 3x faster than scipy's expit).

    Relative precision of small values kept; ``exp(-z)`` overflowing to
    infinity gives the limit 0.
    """
    with np.errstate(over="ignore"):
        out = np.exp(np.negative(z))
    out += 1.0
    return np.reciprocal(out, out=out)


def _has_asymptotes(eta: FloatArray) -> bool:
    """Whether any logistic item (n, 4) has a lower asymptote above 0 or an upper one below 1."""
    return bool(np.any(eta[:, 2] != 0.0) or np.any(eta[:, 3] != 1.0))


class ItemFamily(Protocol):
    """What calibration, scoring, information and selection need of a family.

    Shapes: ``theta`` is ``(Q,)`` (a grid shared by the items) or ``(Q, n)``
    (values per item); ``eta`` is ``(n, p)`` (n items of the family
    with the same number of categories K, p internal parameters).
    """

    @property
    def name(self) -> str:
        """The family's name (``logistic``, ``graded``, ``partial``)."""

    def n_params(self, n_categories: int) -> int:
        """Number of internal parameters of an item with ``n_categories``."""

    def probabilities(self, theta: FloatArray, eta: FloatArray, n_categories: int) -> FloatArray:
        """Category probabilities, shape ``(Q, n, K)``."""

    def log_probabilities(self, theta: FloatArray, eta: FloatArray, n_categories: int) -> FloatArray:
        """Log category probabilities (at least ``log(1e-300)``), shape ``(Q, n, K)``."""

    def param_jacobian(self, theta: FloatArray, eta: FloatArray, n_categories: int) -> FloatArray:
        """dP_k / d eta_m, shape ``(Q, n, K, p)``."""

    def theta_derivatives(
        self, theta: FloatArray, eta: FloatArray, n_categories: int
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``(P, dP/dtheta, d2P/dtheta2)``, each ``(Q, n, K)``."""

    def score_and_information(
        self, theta: FloatArray, eta: FloatArray, n_categories: int, counts: FloatArray, columns: np.ndarray
    ) -> tuple[FloatArray, FloatArray]:
        """Gradient and Fisher information of ``sum_qk counts log P_k``.

        With respect to the internal parameters listed in ``columns`` (m of
        them): gradient ``(n, m)`` and information ``(n, m, m)``, where the
        information is ``sum_q N_q sum_k dP_k dP_k' / P_k`` (N_q the counts
        summed over categories).  The M-step's kernel.
        """


def _theta_matrix(theta: FloatArray) -> FloatArray:
    """Theta as a matrix broadcasting against items: ``(Q, 1)`` or ``(Q, n)``.

    A 1-D ``theta`` is a grid shared by all items; a 2-D ``(Q, n)`` theta
    gives each item its own values (e.g. ``(1, n)`` pairs one theta with
    each row of ``eta``: one answer per row).
    """
    theta = np.asarray(theta, dtype=float)
    return theta if theta.ndim == 2 else theta.reshape(-1, 1)


def jacobian_score_and_information(
    family: ItemFamily,
    theta: FloatArray,
    eta: FloatArray,
    n_categories: int,
    counts: FloatArray,
    columns: np.ndarray,
) -> tuple[FloatArray, FloatArray]:
    """The generic :meth:`ItemFamily.score_and_information`, from the Jacobian.

    Gradient (n, m) and information (n, m, m) over the m internal parameters
    ``columns`` of the n items ``eta`` (n, p), from expected counts (Q, n, K).
    """
    p = np.maximum(family.probabilities(theta, eta, n_categories), _TINY)
    jac = family.param_jacobian(theta, eta, n_categories)[..., columns]
    ratio = counts / p
    weight = counts.sum(axis=2)[..., None] / p
    m = len(columns)
    grad = np.empty((eta.shape[0], m))
    info = np.empty((eta.shape[0], m, m))
    for x in range(m):
        grad[:, x] = np.einsum("qnk,qnk->n", ratio, jac[..., x])
        weighted = weight * jac[..., x]
        for y in range(x, m):
            info[:, x, y] = info[:, y, x] = np.einsum("qnk,qnk->n", weighted, jac[..., y])
    return grad, info


@dataclass(frozen=True)
class LogisticFamily:
    """Dichotomous four-parameter logistic family (Rasch, 1PL, 2PL, 3PL, 4PL).

    Internal parameters per item: ``(a, delta, c, d)`` with
    ``P(x=1) = c + (d - c) * expit(a * theta + delta)``.
    """

    name: str = "logistic"

    def n_params(self, n_categories: int) -> int:
        return 4

    def _parts(
        self, theta: FloatArray, eta: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
        """Theta as a matrix, the parameters as (1, n) rows, and the logistic ``s`` (Q, n)."""
        theta = _theta_matrix(theta)
        a, delta, c, d = (eta[:, m][None, :] for m in range(4))
        s = _expit(a * theta + delta)
        return theta, a, c, d, s

    def probabilities(self, theta: FloatArray, eta: FloatArray, n_categories: int = 2) -> FloatArray:
        _, _, c, d, s = self._parts(theta, eta)
        p1 = c + (d - c) * s
        return np.stack([1.0 - p1, p1], axis=-1)

    def log_probabilities(self, theta: FloatArray, eta: FloatArray, n_categories: int = 2) -> FloatArray:
        """Without asymptotes (every c = 0, d = 1) ``log expit(-z), log expit(z)`` directly."""
        if _has_asymptotes(eta):
            return _log_of(self.probabilities(theta, eta, n_categories))
        z = eta[:, 0][None, :] * _theta_matrix(theta) + eta[:, 1][None, :]
        # log expit(+-z) = -log(1 + exp(-|z|)) + min(+-z, 0), the shared term computed once
        shared = np.negative(np.log1p(np.exp(-np.abs(z))))
        out = np.empty(z.shape + (2,))
        np.subtract(shared, np.maximum(z, 0.0), out=out[..., 0])
        np.add(shared, np.minimum(z, 0.0), out=out[..., 1])
        return np.maximum(out, _LOG_TINY, out=out)

    def param_jacobian(self, theta: FloatArray, eta: FloatArray, n_categories: int = 2) -> FloatArray:
        th, a, c, d, s = self._parts(theta, eta)
        ds = (d - c) * s * (1.0 - s)
        jac = np.empty(ds.shape + (2, 4))
        jac[..., 1, 0] = ds * th
        jac[..., 1, 1] = ds
        jac[..., 1, 2] = 1.0 - s
        jac[..., 1, 3] = s
        np.negative(jac[..., 1, :], out=jac[..., 0, :])
        return jac

    def score_and_information(
        self, theta: FloatArray, eta: FloatArray, n_categories: int, counts: FloatArray, columns: np.ndarray
    ) -> tuple[FloatArray, FloatArray]:
        """Closed form: with P = P(x=1), ``u = (r_1 - N P) / (P (1 - P))`` and
        ``v = N / (P (1 - P))``, the gradient is ``sum_q u dP`` and the
        information ``sum_q v dP dP'`` (no per-category arrays).  Without
        asymptotes (c = 0, d = 1) and for the slope and intercept only, a
        shorter form (:meth:`_slope_intercept_score`)."""
        if theta.ndim == 1 and set(columns.tolist()) <= {0, 1} and not _has_asymptotes(eta):
            return self._slope_intercept_score(theta, eta, counts, columns)
        th, a, c, d, s = self._parts(theta, eta)
        p1 = c + (d - c) * s
        var = np.maximum(p1 * (1.0 - p1), _TINY)
        total = counts.sum(axis=2)
        u = (counts[..., 1] - total * p1) / var
        v = total / var
        w = (d - c) * s * (1.0 - s)
        derivative = {0: lambda: w * th, 1: lambda: w, 2: lambda: 1.0 - s, 3: lambda: s}
        parts = [np.broadcast_to(derivative[int(m)](), p1.shape) for m in columns]
        m = len(parts)
        grad = np.empty((eta.shape[0], m))
        info = np.empty((eta.shape[0], m, m))
        for x in range(m):
            grad[:, x] = np.einsum("qn,qn->n", u, parts[x])
            weighted = v * parts[x]
            for y in range(x, m):
                info[:, x, y] = info[:, y, x] = np.einsum("qn,qn->n", weighted, parts[y])
        return grad, info

    def _slope_intercept_score(
        self, theta: FloatArray, eta: FloatArray, counts: FloatArray, columns: np.ndarray
    ) -> tuple[FloatArray, FloatArray]:
        """:meth:`score_and_information` of ``a, delta`` of 2PL-like items on a grid ``theta`` (Q,).

        The canonical link: the gradient is ``sum_q (r_1 - N P) (theta, 1)``
        and the information ``sum_q N P (1 - P) (theta, 1)(theta, 1)^T``, sums
        over the grid by matrix-vector products.
        """
        p1 = _expit(eta[:, 0][None, :] * theta[:, None] + eta[:, 1][None, :])
        total = counts[..., 0] + counts[..., 1]
        residual = counts[..., 1] - total * p1
        weight = total * p1 * (1.0 - p1)
        # one matrix-vector product per sum (a (3, Q) @ (Q, n) product is several times slower)
        full_grad = np.column_stack([theta @ residual, residual.sum(axis=0)])
        full_info = np.empty((eta.shape[0], 2, 2))
        full_info[:, 0, 0] = (theta * theta) @ weight
        full_info[:, 0, 1] = full_info[:, 1, 0] = theta @ weight
        full_info[:, 1, 1] = weight.sum(axis=0)
        cols = columns.astype(int)
        return np.ascontiguousarray(full_grad[:, cols]), np.ascontiguousarray(full_info[:, cols][:, :, cols])

    def theta_derivatives(
        self, theta: FloatArray, eta: FloatArray, n_categories: int = 2
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        _, a, c, d, s = self._parts(theta, eta)
        p1 = c + (d - c) * s
        ds = (d - c) * s * (1.0 - s)
        d1 = a * ds
        d2 = a * a * ds * (1.0 - 2.0 * s)
        return (
            np.stack([1.0 - p1, p1], axis=-1),
            np.stack([-d1, d1], axis=-1),
            np.stack([-d2, d2], axis=-1),
        )


@dataclass(frozen=True)
class GradedFamily:
    """Samejima's graded response model.

    Internal parameters per item: ``(a, delta_1, ..., delta_{K-1})`` with
    ``P(x >= k) = expit(a * theta + delta_k)`` and ``delta`` decreasing.
    """

    name: str = "graded"

    def n_params(self, n_categories: int) -> int:
        return n_categories

    def _cumulative(self, theta: FloatArray, eta: FloatArray) -> FloatArray:
        """Cumulative probabilities padded with 1 and 0: ``(Q, n, K + 1)``."""
        z = (eta[:, 0][None, :] * _theta_matrix(theta))[..., None] + eta[None, :, 1:]
        star = _expit(z)
        q, n = star.shape[:2]
        return np.concatenate([np.ones((q, n, 1)), star, np.zeros((q, n, 1))], axis=-1)

    def probabilities(self, theta: FloatArray, eta: FloatArray, n_categories: int) -> FloatArray:
        star = self._cumulative(theta, eta)
        return star[..., :-1] - star[..., 1:]

    def log_probabilities(self, theta: FloatArray, eta: FloatArray, n_categories: int) -> FloatArray:
        return _log_of(self.probabilities(theta, eta, n_categories))

    def param_jacobian(self, theta: FloatArray, eta: FloatArray, n_categories: int) -> FloatArray:
        star = self._cumulative(theta, eta)
        w = star * (1.0 - star)  # (Q, n, K+1), zero at both pads
        k = n_categories
        jac = np.zeros(star.shape[:2] + (k, k))
        jac[..., 0] = _theta_matrix(theta)[..., None] * (w[..., :-1] - w[..., 1:])
        idx = np.arange(1, k)
        # dP_k/d delta_m = w_m [m == k] - w_m [m == k + 1]
        jac[..., idx, idx] = w[..., 1:-1]
        jac[..., idx - 1, idx] = -w[..., 1:-1]
        return jac

    def score_and_information(
        self, theta: FloatArray, eta: FloatArray, n_categories: int, counts: FloatArray, columns: np.ndarray
    ) -> tuple[FloatArray, FloatArray]:
        return jacobian_score_and_information(self, theta, eta, n_categories, counts, columns)

    def theta_derivatives(
        self, theta: FloatArray, eta: FloatArray, n_categories: int
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        star = self._cumulative(theta, eta)
        a = eta[:, 0][None, :, None]
        w = star * (1.0 - star)
        v = w * (1.0 - 2.0 * star)
        return (
            star[..., :-1] - star[..., 1:],
            a * (w[..., :-1] - w[..., 1:]),
            a * a * (v[..., :-1] - v[..., 1:]),
        )


@dataclass(frozen=True)
class PartialCreditFamily:
    """Muraki's generalized partial credit model (and Masters' partial credit).

    Internal parameters per item: ``(a, d_1, ..., d_{K-1})`` with
    ``P(x = k) ∝ exp(a * k * theta + d_k)`` and ``d_0 = 0``.
    """

    name: str = "partial"

    def n_params(self, n_categories: int) -> int:
        return n_categories

    def probabilities(self, theta: FloatArray, eta: FloatArray, n_categories: int) -> FloatArray:
        k = np.arange(n_categories, dtype=float)
        d = np.concatenate([np.zeros((eta.shape[0], 1)), eta[:, 1:]], axis=1)
        s = (eta[:, 0][None, :] * _theta_matrix(theta))[..., None] * k + d[None, :, :]
        return softmax(s, axis=-1)

    def log_probabilities(self, theta: FloatArray, eta: FloatArray, n_categories: int) -> FloatArray:
        return _log_of(self.probabilities(theta, eta, n_categories))

    def _moments(self, p: FloatArray, n_categories: int) -> tuple[FloatArray, FloatArray]:
        """Deviation of each category from the mean score (..., K) and the score variance (...)."""
        k = np.arange(n_categories, dtype=float)
        mean = p @ k
        dev = k - mean[..., None]
        var = np.einsum("...k,...k->...", p, dev * dev)
        return dev, var

    def param_jacobian(self, theta: FloatArray, eta: FloatArray, n_categories: int) -> FloatArray:
        p = self.probabilities(theta, eta, n_categories)
        dev, _ = self._moments(p, n_categories)
        jac = np.empty(p.shape + (n_categories,))
        jac[..., 0] = _theta_matrix(theta)[..., None] * p * dev
        # dP_k/d d_m = P_k (1[k == m] - P_m), m = 1..K-1
        outer = -p[..., :, None] * p[..., None, 1:]
        idx = np.arange(1, n_categories)
        outer[..., idx, idx - 1] += p[..., 1:]
        jac[..., 1:] = outer
        return jac

    def score_and_information(
        self, theta: FloatArray, eta: FloatArray, n_categories: int, counts: FloatArray, columns: np.ndarray
    ) -> tuple[FloatArray, FloatArray]:
        return jacobian_score_and_information(self, theta, eta, n_categories, counts, columns)

    def theta_derivatives(
        self, theta: FloatArray, eta: FloatArray, n_categories: int
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        p = self.probabilities(theta, eta, n_categories)
        dev, var = self._moments(p, n_categories)
        a = eta[:, 0][None, :, None]
        return p, a * p * dev, a * a * p * (dev * dev - var[..., None])


LOGISTIC = LogisticFamily()
GRADED = GradedFamily()
PARTIAL = PartialCreditFamily()


@dataclass(frozen=True)
class ModelSpec:
    """A model name: its family and which internal parameters are free.

    ``free`` lists the indices of the free internal parameters for an item
    with K categories; ``logit`` the indices estimated on the logit scale
    (lower and upper asymptotes, bounded to (0, 1)).
    """

    name: str
    family: ItemFamily
    dichotomous_only: bool
    slope_free: bool

    def free(self, n_categories: int) -> tuple[int, ...]:
        if self.family is LOGISTIC:
            return {
                "rasch": (1,),
                "1pl": (1,),
                "2pl": (0, 1),
                "3pl": (0, 1, 2),
                "4pl": (0, 1, 2, 3),
            }[self.name]
        start = 0 if self.slope_free else 1
        return tuple(range(start, n_categories))

    def logit(self) -> tuple[int, ...]:
        return (2, 3) if self.family is LOGISTIC else ()


MODEL_SPECS: dict[str, ModelSpec] = {
    "rasch": ModelSpec("rasch", LOGISTIC, False, slope_free=False),
    "1pl": ModelSpec("1pl", LOGISTIC, True, slope_free=False),
    "2pl": ModelSpec("2pl", LOGISTIC, True, slope_free=True),
    "3pl": ModelSpec("3pl", LOGISTIC, True, slope_free=True),
    "4pl": ModelSpec("4pl", LOGISTIC, True, slope_free=True),
    "grm": ModelSpec("grm", GRADED, False, slope_free=True),
    "gpcm": ModelSpec("gpcm", PARTIAL, False, slope_free=True),
}
MODEL_NAMES: tuple[str, ...] = tuple(MODEL_SPECS)

#: Polytomous Rasch items are Masters' partial credit model (GPCM, a = 1).
_PARTIAL_CREDIT = ModelSpec("rasch", PARTIAL, False, slope_free=False)


def model_spec(name: str, n_categories: int) -> ModelSpec:
    """The specification of model ``name`` for an item with ``n_categories``.

    Raises
    ------
    ValueError
        For an unknown model name, or a dichotomous-only model given more
        than two categories.
    """
    key = name.strip().lower()
    if key not in MODEL_SPECS:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODEL_NAMES)}")
    spec = MODEL_SPECS[key]
    if n_categories < 2:
        raise ValueError(f"an item needs at least 2 score categories, got {n_categories}")
    if n_categories > 2 and spec.dichotomous_only:
        raise ValueError(
            f"model {key!r} is dichotomous but the item has {n_categories} score categories; "
            "use grm, gpcm or rasch (partial credit)"
        )
    if key == "rasch" and n_categories > 2:
        return _PARTIAL_CREDIT
    return spec
