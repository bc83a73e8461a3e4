"""Item calibration by marginal maximum likelihood (Bock-Aitkin EM), one driver for every model.

The algorithm, one module a stage:

* **Set-up** (:mod:`.problem`): validate the arguments once, resolve each
  item's model, copy in known parameters (starting values, anchors), apply
  fixed parameters, split items freed across groups, leave out what the
  data cannot identify (:mod:`.estimability`), starting values, and which
  latent parameters are free.  The free parameters form one vector
  (:mod:`.layout`); asymptotes are estimated on the logit scale
  (:mod:`.estimation_scale`).
* **E-step** (:mod:`.e_step`): each student's log-likelihood on the
  quadrature grid is :func:`engine.irt.likelihood.log_probability_table`
  gathered over their answers (matrix products, dense or sparse, never
  densified), plus the prior log weights of their group (:mod:`.populations`);
  the posterior is a row-wise softmax in log space and the expected category
  counts ``r[q, j, k]`` one more product.
* **M-step** (:mod:`.m_step`): items are independent given the expected
  counts, so each family's items take Fisher-scoring steps together, as
  batched small linear systems, with step halving so that the expected
  complete-data log-posterior never decreases (optional priors:
  :mod:`.priors`); each group's latent mean and sd where free.
* **Iteration** (:mod:`.em`): the fixed-point map ``x <- M(E(x))``
  accelerated by SQUAREM (Varadhan & Roland, 2008) with a monotonicity
  safeguard.
* **Finishing** (:mod:`.finish`): standard errors from the observed
  information by Louis' identity, in full or by item blocks
  (:mod:`.standard_errors`), the reported metric (1PL from the Rasch fit),
  a frozen :class:`CalibrationResult`.

With ``groups`` the calibration is R mirt's ``multipleGroup``: each group its
own N(mean, sd^2), the reference group's fixed (unless anchors set the
scale), the items equal across groups unless listed in ``free_items``.
"""

from __future__ import annotations

from engine.irt.calibration.driver import calibrate
from engine.irt.calibration.estimability import calibratable_items
from engine.irt.calibration.misfits import calibrate_dropping_misfits
from engine.irt.calibration.result import CalibrationResult, ConvergenceWarning, GroupEstimate

__all__ = [
    "calibrate",
    "CalibrationResult",
    "GroupEstimate",
    "ConvergenceWarning",
    "calibratable_items",
    "calibrate_dropping_misfits",
]
