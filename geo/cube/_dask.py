"""The incident cube built on Dask: each partition counted where it lies, partial cubes summed.

A national export of tens of millions of rows does not fit a laptop as raw rows, but its cube
does (DESIGN §8). So the raw rows never meet in one place: ``dask.dataframe`` reads the
partitioned Parquet (or the CSVs) a block at a time, each block is indexed and counted into a
partial :class:`~geo.cube.IncidentCube` by the very :func:`~geo.cube.build_incident_cube` the
pandas engine uses, and the partial cubes are summed by :func:`~geo.cube.combine_incident_cubes`
in a fixed tree of :data:`SPLIT_EVERY` at a time, the last fold in the client. A cube's keys hold
each record's night, so a partial cube has nearly a row per incident (~30 MB per million): what
the cluster saves is the raw rows' reading, parsing and indexing, and their memory.

Why futures and a hand-made tree rather than one ``groupby().sum()``: a partial cube carries
metadata (night range, untimed counts) that a frame cannot, partial tables come sorted so a
combine is a cheap merge, and a tree fixed by partition order sums in the same order on every
run, so two builds of the same data give the same bytes whatever order the workers finish in.
Partitions are submitted in order and combine tasks run at a higher priority than the reads, so
each group of partial cubes is folded as soon as it is complete and worker memory stays flat.

dask and distributed are imported inside the functions: the dashboard imports ``geo.cube`` and
must not pay for them (nor for geo.schema's validators).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo.cube._combine import combine_incident_cubes
from geo.cube._incidents import IncidentCube, build_incident_cube
from geo.cube._inputs import CSV_DTYPES, NEEDED_COLUMNS, CubeInputs, canonical_partition
from geo.errors import AtlasError

if TYPE_CHECKING:
    from distributed import Client, Future

    from geo.schema import LoadOptions

DEFAULT_WORKER_MEMORY = "1.5GiB"
"""Memory limit of each LocalCluster worker. A worker peaks near 0.7 GB counting a 1M-row
partition; combines on workers fold at most :data:`SPLIT_EVERY` partial cubes (~8M cube rows
for 8M incidents: cube rows are nearly one per incident since the keys hold the night), and the
last fold runs in the client, which receives the whole cube anyway. Two workers and the client
then stay under 4 GB together (``benchmarks/bench_dask.py``: 20M incidents)."""

DEFAULT_BLOCKSIZE = "64MiB"
"""CSV bytes per partition (~600k canonical rows); Parquet partitions follow the files."""

SPLIT_EVERY = 8
"""Partial cubes folded by one combine task: few levels, and a small peak per combine."""

CONNECT_TIMEOUT = "20s"
"""How long to try to reach a named scheduler before saying it cannot be reached."""

Part = tuple[IncidentCube, list[dict[str, Any]]]
"""What each task returns: a partial cube and the validation reports of its files (if any)."""

WORKER_PACKAGES: tuple[str, ...] = ("insecurity-atlas", "h3ronpy", "pandas", "pyarrow")
"""Packages every worker must have at the client's version: the code that runs there, and what
indexes, reads and pickles the partitions (a mismatch can change cells or fail to unpickle)."""


class WorkerEnvironmentError(AtlasError):
    """The cluster's workers lack a package the build runs, or have another version of it."""


def check_workers(client: Client) -> None:
    """Check each worker has :data:`WORKER_PACKAGES` at this process's versions.

    Done before any task is sent, so a cluster set up without the package fails with one line
    saying what to install, not with an unpickling traceback from deep inside a worker.

    Raises
    ------
    WorkerEnvironmentError
        Naming the package, the version wanted and what each differing worker has.
    """
    from importlib.metadata import PackageNotFoundError, version

    for name in WORKER_PACKAGES:
        try:
            wanted = version(name)
        except PackageNotFoundError:  # not installed as a distribution here (a source tree)
            continue
        found = client.run(version, name, on_error="return")
        wrong = {w: v for w, v in found.items() if v != wanted}
        if wrong:
            have = ", ".join(
                f"{w}: {'missing' if isinstance(v, Exception) else v}" for w, v in wrong.items()
            )
            raise WorkerEnvironmentError(
                f"workers need {name}=={wanted}, as here ({have}); install it on every worker "
                "(see README, 'Running on an existing Dask cluster')"
            )


@contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    worker_memory: str | int = DEFAULT_WORKER_MEMORY,
) -> Iterator[tuple[Client, str]]:
    """A ``distributed.Client``: to the named scheduler, or to a LocalCluster on loopback.

    Parameters
    ----------
    scheduler
        Address of an existing scheduler (``tcp://10.0.0.5:8786``); its workers must have this
        package installed and see the input paths. ``None`` starts a LocalCluster on
        127.0.0.1, without a dashboard, closed on exit.
    workers
        LocalCluster worker processes (one thread each); default: the machine's cores.
    worker_memory
        LocalCluster memory limit per worker (``"1.5GiB"`` or bytes).

    Yields
    ------
    (client, description)
        The client, and a line saying where the work runs (recorded in the build JSON).

    Raises
    ------
    OSError
        If the scheduler cannot be reached within :data:`CONNECT_TIMEOUT`.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        try:
            yield client, f"scheduler {scheduler}"
        finally:
            client.close()
        return
    n = max(1, int(workers or os.cpu_count() or 1))
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            memory_limit=worker_memory,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client, f"LocalCluster on 127.0.0.1: {n} workers x 1 thread, {worker_memory} each"


def _cube_of_partition(frame: pd.DataFrame, settings: dict[str, Any]) -> Part:
    return build_incident_cube(canonical_partition(frame), **settings), []


def _cube_of_file(path: str, options: LoadOptions, settings: dict[str, Any]) -> Part:
    from geo.io import read_table

    loaded = read_table(path, "incidents", options=options)
    return build_incident_cube(loaded.frame, **settings), [loaded.report.to_dict()]


def _combine(parts: Sequence[Part]) -> Part:
    cubes = [cube for cube, _ in parts]
    reports = [report for _, part_reports in parts for report in part_reports]
    return combine_incident_cubes(cubes), reports


def _tasks(
    inputs: CubeInputs, settings: dict[str, Any], validate: bool, options: LoadOptions,
    blocksize: str | int,
) -> list[Any]:
    """One delayed partial cube per partition (per file when validating)."""
    import dask
    import dask.dataframe as dd

    if validate:
        return [dask.delayed(_cube_of_file, pure=True)(p, options, settings) for p in inputs.paths]
    if inputs.kind == "parquet":
        frame = dd.read_parquet(list(inputs.paths), columns=list(NEEDED_COLUMNS))
    else:
        frame = dd.read_csv(list(inputs.paths), usecols=list(NEEDED_COLUMNS), dtype=CSV_DTYPES,
                            blocksize=blocksize)
    build = dask.delayed(_cube_of_partition, pure=True)
    return [build(part, settings) for part in frame.to_delayed()]


def _tree(client: Client, futures: list[Future], split_every: int) -> list[Future]:
    """Fold futures of partial cubes ``split_every`` at a time, in partition order, until at
    most ``split_every`` are left: the caller folds those itself (see
    :func:`build_incident_cube_dask`)."""
    level = futures
    while len(level) > split_every:
        level = [
            client.submit(_combine, level[i : i + split_every], priority=10)
            for i in range(0, len(level), split_every)
        ]
    return level


def build_incident_cube_dask(
    inputs: CubeInputs,
    client: Client,
    *,
    settings: dict[str, Any],
    validate: bool = False,
    options: LoadOptions | None = None,
    blocksize: str | int = DEFAULT_BLOCKSIZE,
    split_every: int = SPLIT_EVERY,
    progress: Callable[[str], None] | None = None,
) -> tuple[IncidentCube, list[dict[str, Any]], int]:
    """Build the incident cube of ``inputs`` on a Dask cluster.

    Parameters
    ----------
    inputs
        From :func:`~geo.cube.find_inputs`; the workers must be able to open the paths.
    client
        A connected client (see :func:`dask_client`).
    settings
        Keyword settings of :func:`~geo.cube.build_incident_cube`.
    validate
        Read each file through :func:`geo.io.read_table` (one task per file; any supported
        export format; reports kept) instead of as canonical partitions.
    options
        How to read and validate files when ``validate`` is set.
    blocksize
        CSV bytes per partition.
    split_every
        Partial cubes per combine task (at least 2).
    progress
        Called with one line as each partition is counted.

    Returns
    -------
    (cube, reports, partitions)
        The cube, the validation reports (empty unless ``validate``) and the partition count.
    """
    from distributed import as_completed

    from geo.schema import LoadOptions

    if split_every < 2:
        raise ValueError(f"split_every must be at least 2, got {split_every}")
    check_workers(client)
    tasks = _tasks(inputs, settings, validate, options or LoadOptions(), blocksize)
    n = len(tasks)
    # One compute call per partition, in order: the scheduler runs them first come first
    # served, so each group of SPLIT_EVERY partitions completes together and is folded early.
    futures = [client.compute(task, priority=0) for task in tasks]
    position = {future.key: i for i, future in enumerate(futures)}
    pending = as_completed(futures)
    last = _tree(client, futures, split_every)
    del futures, tasks  # only the tree may keep partial cubes alive, so they go once folded
    start = time.perf_counter()
    try:
        for done, future in enumerate(pending, 1):
            if future.status != "finished":
                future.result()  # raises the worker's exception here, with its own type
            if progress is not None:
                progress(f"partition {position[future.key] + 1}/{n} counted "
                         f"({done}/{n} done, {time.perf_counter() - start:.1f} s)")
        # The last fold runs here, not on a worker: the cube arrives here whole anyway, and
        # with nights in its keys it is nearly as long as the input (20M incidents: ~20M rows,
        # 0.6 GB), so a worker folding it passed its memory limit and was killed.
        parts = client.gather(last)
    except BaseException:
        client.cancel(last)
        raise
    client.cancel(last)  # the workers' copies go before the fold doubles what is held here
    del last
    cube, reports = _combine(parts)
    return cube, reports, n
