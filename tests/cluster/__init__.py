"""Tests of calibration and scoring on a Dask cluster."""
