"""The vectorized IRT engine: numpy and scipy only, no database, HTTP or files.

* :mod:`engine.irt` -- models, parameters, responses, calibration, scoring;
* :mod:`engine.adaptive` -- the compiled bank, selection, stopping, the
  adaptive check's state machine, simulation;
* :mod:`engine.mastery` -- bands, per-standard mastery, growth, morning work;
* :mod:`engine.analysis` -- classical statistics, fit, DIF, linking, reliability;
* :mod:`engine.forms` -- assembly of fixed and parallel forms.
"""
