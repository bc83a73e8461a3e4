"""The IRT core: models and parameter tables, quadrature, response matrices,
likelihoods, calibration by marginal maximum likelihood, scoring, simulation."""
