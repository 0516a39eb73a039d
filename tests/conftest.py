import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # tests/builders.py


import pytest


@pytest.fixture(scope="session")
def dask_scheduler():
    """One real ``distributed.LocalCluster`` (2 worker processes) for every dask test of the
    session; yields its scheduler address, given to the CLI as ``--scheduler``."""
    import logging

    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()
