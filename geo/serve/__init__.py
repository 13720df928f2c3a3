"""Serving a built city: both dashboards (analyst and presentation) through Voila.

``atlas serve DIR`` runs Voila on the dashboards shipped inside this package (so it works from an
installed wheel, not only from a checkout) with ``ATLAS_CITY=DIR``: every kernel opens that
city's *build*, never its raw files. Kernels are kept preheated — started, the dashboard run,
the city loaded and drawn, waiting for a visitor (``--pool-size``: :data:`DEFAULT_POOL_SIZE`,
:data:`PUBLIC_POOL_SIZE`) — so visitors do not wait for imports and the city to load. A room
opening the link at once needs a pool the size of the room: past the pool, every visitor waits
for a kernel started on the spot, and twenty of those share two cores (benchmarks/bench_load.py:
86 s for the last of 20 with a pool of 1). ``--public`` adds the hardened configuration beside
this file (``voila.py``: dashboards only, no tracebacks, no file tree) and binds 0.0.0.0; a
public server also tells the kernels (``ATLAS_PUBLIC=1``) so that no control offers exact
values.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[1] / "dashboards"
"""The dashboards shipped in the package (a checkout's ``dashboards/`` links here)."""
CONFIG_DIR = Path(__file__).resolve().parent
"""Holds ``voila.py``, the hardened configuration of a public server."""
PUBLIC_ENV = "ATLAS_PUBLIC"
"""Set to 1 in the kernels of a public server."""
DEFAULT_POOL_SIZE = 1
"""Preheated kernels of the analyst dashboard on one analyst's machine (``atlas serve``)."""
PUBLIC_POOL_SIZE = 10
"""... and on a public server (``--public``, ``make serve``): a meeting opening the link
together gets pages at once. Each idle kernel holds its own memory (~150 MB private on the
city-sized sample; the mapped build is shared); the pool refills itself as visitors take
kernels, a few at a time (:mod:`geo.serve._paced`). ``--pool-size`` sets another size."""
PRESENT_POOL_SIZE = 1
"""Preheated kernels of the presentation: one presenter per room."""
ANALYST_NOTEBOOK = "atlas.ipynb"
PACED = "geo.serve._paced.PacedKernelManager"
"""Voila's kernel manager, refilling the pool a few kernels at a time (see that module)."""
KERNEL_SPECS = "geo.serve._kernel.DashboardKernelSpecs"
"""Kernel specs whose Python kernel leaves out what a dashboard cannot use: debugger, input
history, a malloc arena per thread (~8 MB per kernel, see that module)."""
TEMPLATE = "atlas"
"""Voila's lab page without its Font Awesome links to cdn.jsdelivr.net (render-blocking in the
head: an offline room would wait on them); found through :data:`JUPYTER_DIR`."""
JUPYTER_DIR = CONFIG_DIR / "jupyter"
"""A Jupyter data folder holding only ``voila/templates/atlas`` (put first on JUPYTER_PATH)."""


def page_args(env: dict[str, str]) -> list[str]:
    """Voila arguments for our page template, putting :data:`JUPYTER_DIR` first on
    ``env["JUPYTER_PATH"]`` so that Voila finds it (every launcher uses this, tests too)."""
    paths = [str(JUPYTER_DIR), *(p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p)]
    env["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    return [f"--template={TEMPLATE}"]


def is_public() -> bool:
    """True inside a kernel of a public server (``atlas serve --public`` / ``make serve``)."""
    return os.environ.get(PUBLIC_ENV) == "1"


def pool_config(pool_size: int) -> dict[str, dict[str, int]]:
    """Voila's per-notebook pools: ``pool_size`` for the analyst dashboard, the presentation's
    own size for every other notebook (Voila's ``default`` entry)."""
    if pool_size < 1:
        raise ValueError(f"pool size must be at least 1, not {pool_size}")
    return {"default": {"pool_size": PRESENT_POOL_SIZE},
            ANALYST_NOTEBOOK: {"pool_size": pool_size}}


def voila_command(city: Path, *, port: int = 8866, public: bool = False,
                  pool_size: int | None = None) -> tuple[list[str], dict[str, str]]:
    """The Voila argv and the environment it runs with (``pool_size``: the analyst
    dashboard's preheated kernels, by default :data:`DEFAULT_POOL_SIZE` or, public,
    :data:`PUBLIC_POOL_SIZE`)."""
    if pool_size is None:
        pool_size = PUBLIC_POOL_SIZE if public else DEFAULT_POOL_SIZE
    # ``python -m voila`` of this interpreter: kernels then run the same installation (a
    # wheel in a venv, or a checkout), whatever ``voila`` script comes first on the PATH.
    argv = [sys.executable, "-m", "voila", str(DASHBOARDS), "--no-browser", f"--port={port}",
            "--preheat_kernel=True", f"--pool_size={PRESENT_POOL_SIZE}",
            f"--VoilaKernelManager.kernel_pools_config={pool_config(pool_size)!r}",
            f"--VoilaConfiguration.multi_kernel_manager_class={PACED}",
            f"--VoilaConfiguration.kernel_spec_manager_class={KERNEL_SPECS}"]
    if public:
        argv += [f"--Voila.config_file_paths={CONFIG_DIR}", "--Voila.ip=0.0.0.0"]
    else:
        argv += ["--Voila.ip=127.0.0.1", "--MappingKernelManager.cull_idle_timeout=900",
                 "--MappingKernelManager.cull_interval=60"]
    env = dict(os.environ)
    argv += page_args(env)
    env["ATLAS_CITY"] = str(city)
    scenes = city / "scenes"
    if scenes.is_dir():
        env["ATLAS_SCENES_DIR"] = str(scenes)
    if public:
        env[PUBLIC_ENV] = "1"
    else:
        env.pop(PUBLIC_ENV, None)
    return argv, env


def serve(folder: str | Path, *, port: int = 8866, public: bool = False,
          pool_size: int | None = None, dry_run: bool = False) -> int:
    """Check that the city is built, then replace this process with Voila."""
    from geo.city import ProjectError, current_generation, load_project

    project = load_project(folder)
    if current_generation(project.build_root) is None:
        raise ProjectError(project.file, None, f"not built yet: run `atlas build {folder}` first")
    argv, env = voila_command(project.folder, port=port, public=public, pool_size=pool_size)
    where = "0.0.0.0" if public else "localhost"
    print(f"serving {project.city} on http://{where}:{port}/voila/render/atlas.ipynb "
          f"(presentation: /voila/render/present.ipynb)", file=sys.stderr, flush=True)
    if dry_run:
        print(" ".join(shlex.quote(a) for a in argv))
        return 0
    os.execve(argv[0], argv, env)
    return 0  # not reached
