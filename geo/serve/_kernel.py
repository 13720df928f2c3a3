"""The kernel of a served dashboard: ipykernel without what a dashboard's visitor cannot use.

A Voila kernel showing the city-sized sample at res 10 held ~20 MB more than the same app in
plain Python (issue "real-city scale": kernel <= 250 MB; 258 against 238 MB at rest after 30
hour changes, from ``/proc/PID/smaps`` and ``tracemalloc`` inside the kernel):

- ~7.5 MB of Python objects: ipykernel imports its debugger, debugpy and pydevd (~145
  modules), in every kernel. Voila offers no debugger; a ``None`` entry in ``sys.modules``
  makes that import fail, which ipykernel reads as "debugpy not installed".
- a thread and an SQLite database: IPython's input history, which nobody reads in a dashboard.
- 17 malloc arenas (~4 MB together): glibc gives each thread that allocates its own (IOPub,
  control, shell channel, heartbeat, history, zmq's I/O threads). ``MALLOC_ARENA_MAX=2``
  (read when the process starts) leaves 3; what that saves is within the noise.
- what stays (~8 MB): ipykernel, jupyter_client, zmq and tornado themselves. The widgets' state
  (3 MB, mostly the hex layer's outlines) is the same in plain Python: ipywidgets keeps no echo
  copy, and no message buffer outlives its send.

Together: 258 -> 250 MB at rest, 294 -> 285 MB right after the moves (before the idle trim).

:class:`DashboardKernelSpecs` hands Voila the installed ``python3`` kernel spec launched by
:mod:`geo.serve.ipykernel_launcher` instead of ipykernel's own launcher, forked from a warm
zygote that it starts with the server (:mod:`geo.serve._forkserver`, :mod:`._provisioner`;
``ATLAS_FORK_KERNELS=0``: started as plain processes).
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpec, KernelSpecManager

from geo.serve._provisioner import LAUNCHER, PROVISIONER_NAME, ZYGOTE, forking_enabled
from geo.serve._startup import server_started

KERNEL_ENV = {"MALLOC_ARENA_MAX": "2"}
"""Environment added to a served kernel's (read by glibc when the process starts)."""
KERNEL_ARGS = ("--HistoryManager.enabled=False",)
"""Kernel options added to the spec's command line."""


class DashboardKernelSpecs(KernelSpecManager):
    """The installed kernel specs, the Python kernel launched by :data:`LAUNCHER`.

    Only a spec launching ``-m ipykernel_launcher`` (ipykernel's own, or one installed by
    ``ipykernel install``) is changed; any other spec is handed over as it is. Creating it
    starts the zygote its kernels fork from (Voila creates it when the server starts: the
    zygote is warm before the first visitor, and the preheated pool forks from it too), and
    does what a server does once at its start (:mod:`geo.serve._startup`).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        if forking_enabled():
            ZYGOTE.start()  # first: it imports in its own process meanwhile
        server_started(self, self._page_template())

    def _page_template(self) -> str:
        """The page template of the Voila app creating this (ours when there is none)."""
        from geo.serve import TEMPLATE

        configuration = getattr(self.parent, "voila_configuration", None)
        return getattr(configuration, "template", None) or TEMPLATE

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        return lean_spec(spec) if kernel_name.lower() == NATIVE_KERNEL_NAME else spec


def lean_spec(spec: KernelSpec) -> KernelSpec:
    """``spec`` launching :func:`main` with :data:`KERNEL_ARGS` and :data:`KERNEL_ENV`, forked
    by the zygote's provisioner (unless ``ATLAS_FORK_KERNELS=0``), if it launches
    ``ipykernel_launcher``; else ``spec`` unchanged."""
    argv = list(spec.argv)
    try:
        at = argv.index("ipykernel_launcher")
    except ValueError:
        return spec
    if at == 0 or argv[at - 1] != "-m":
        return spec
    argv[at] = LAUNCHER
    fields = spec.to_dict()
    metadata = {**spec.metadata, "debugger": False}
    if forking_enabled() and _provisioner_installed():
        metadata["kernel_provisioner"] = {"provisioner_name": PROVISIONER_NAME}
    fields.update(argv=[*argv, *KERNEL_ARGS], env={**KERNEL_ENV, **spec.env}, metadata=metadata)
    return KernelSpec(resource_dir=spec.resource_dir, **fields)


@cache
def _provisioner_installed() -> bool:
    """The fork provisioner's entry point is installed (``jupyter_client`` finds provisioners
    only so; a checkout not installed again since it was added starts plain kernels). Read once
    per process: scanning the installed distributions costs ~15 ms, on every kernel start."""
    return any(ep.name == PROVISIONER_NAME
               for ep in entry_points(group="jupyter_client.kernel_provisioners"))
