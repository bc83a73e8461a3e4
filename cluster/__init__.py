"""Calibration and scoring on a Dask cluster: the engine's sums over students computed where the students are.

The engine touches students only through sums over blocks of them
(:class:`engine.irt.calibration.students.StudentBlocks`).  This package
holds the blocks on the workers of a ``dask.distributed`` cluster
(:mod:`cluster.dask_responses`), reads a folder of Parquet files on the
workers themselves (:mod:`cluster.parquet`), scores every student there
(:mod:`cluster.scoring`), and opens the cluster a ``--dask`` option names
(:mod:`cluster.connection`).  It needs the ``dask`` extra
(``pip install masterycat[dask]``); the engine never imports dask.
"""
