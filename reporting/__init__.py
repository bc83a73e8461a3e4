"""Psychometric reporting: what a psychometrician reads about a calibration.

Above :mod:`itembank` (it reads stored calibrations and responses) and below
:mod:`service` and :mod:`cli`, which both call it; it draws with matplotlib's
object API (never ``pyplot``), so it is safe inside the threaded server.

* :mod:`reporting.psychometric_report` -- the analysis of a calibration and
  its self-contained HTML report;
* :mod:`reporting.figures` -- the report's plots (item curves, information,
  distractors, DIF, abilities) as SVG;
* :mod:`reporting.bank_analysis` -- per-item statistics and fit flags of a
  stored calibration, for the bank pages and the API;
* :mod:`reporting.analysis_files` -- the CSV files of the analyses (groups,
  choices, key; result tables).
"""
