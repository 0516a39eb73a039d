"""Engines: how the rows of a run reach the one additive engine (``kpis.aggregate``).

``local`` is the default: every file read whole, stacked and de-duplicated in one process
(``dataset.load_inputs`` then ``kpis.run.compute_inputs``). ``dask`` (``engines.dask``)
runs the same reading, validation, de-duplication rule and measures per partition on a
``dask.distributed`` cluster and adds the partitions' ``Sums``.
"""

ENGINES = ("local", "dask")
