"""``atlas init``, ``atlas build`` and ``atlas serve``: the city-project commands (geo.city).

Registered by :mod:`geo.cli`; nothing heavy is imported until a command runs.
Exit codes follow ``atlas validate``: 0 every row kept, 1 rows dropped, 2 unusable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from geo.serve import DEFAULT_POOL_SIZE, PUBLIC_POOL_SIZE

EXIT_OK, EXIT_DROPPED, EXIT_UNUSABLE = 0, 1, 2


def _cmd_init(args: argparse.Namespace) -> int:
    from geo.city import PROJECT_FILE, init_project

    found = init_project(args.dir, args.files, city=args.city)
    folder = Path(args.dir)
    print(f"city project written to {folder / PROJECT_FILE}")
    todo = 0
    for d in found:
        what = d.table or "UNKNOWN TABLE"
        extra = f", mapping {d.mapping}" if d.mapping else ""
        if d.todo:
            extra += f" ({d.todo} TODO to fill in)"
            todo += d.todo
        print(f"  {d.path.name}: {what}, format {d.format}{extra}")
    print("next:")
    step = 1
    if todo or any(d.table is None for d in found):
        print(f"  {step}. fill in the TODO lines of the mappings (columns found are listed)")
        step += 1
    print(f"  {step}. check {folder / PROJECT_FILE}: time zone, study area, privacy k, notes")
    print(f"  {step + 1}. atlas build {folder}")
    print(f"  {step + 2}. atlas serve {folder}   (then open http://localhost:8866)")
    return EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    from geo.city import build_project, load_project

    project = load_project(args.dir)
    say = (lambda _m: None) if args.json else (lambda m: print(m, file=sys.stderr, flush=True))
    report = build_project(project, progress=say, force=args.force)
    if args.json:
        print(json.dumps(report.to_dict(), indent=1, default=str))
    else:
        print(report.to_text())
        print(f"report: {report.generation / 'report.html'}")
    return report.exit_code


def _pool_size(text: str) -> int:
    """``--pool-size``: a whole number of kernels, at least one."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"a pool of at least 1 kernel, not {text!r}")
    return value


def _cmd_serve(args: argparse.Namespace) -> int:
    from geo.serve import serve

    return serve(args.dir, port=args.port, public=args.public, pool_size=args.pool_size,
                 dry_run=args.dry_run)


def add_city_commands(sub) -> None:
    """Add ``init``, ``build`` and ``serve`` to the ``atlas`` parser."""
    p = sub.add_parser("init", help="write a starter city project (atlas.yaml) from your files",
                       description="Detect each file's table and format, propose mappings for "
                       "unknown headers (TODO where undecided), write DIR/atlas.yaml and a "
                       "scenes file. Only DIR is written; your files are never touched.")
    p.add_argument("dir", help="project folder to create (must not hold an atlas.yaml)")
    p.add_argument("files", nargs="+", metavar="FILE", help="exports: incidents, survey, venues")
    p.add_argument("--city", default=None, help="city name (default: from the folder name)")
    p.set_defaults(run=_cmd_init)

    p = sub.add_parser("build", help="read, validate and build a city project (incremental, "
                                     "atomic)",
                       description="Read every source of DIR/atlas.yaml into DIR/build: "
                       "canonical tables, cubes and reports. Only what changed is rebuilt; an "
                       "interrupted build leaves the previous one usable.")
    p.add_argument("dir", help="project folder (holding atlas.yaml)")
    p.add_argument("--json", action="store_true", help="print the build report as one JSON object")
    p.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    p.set_defaults(run=_cmd_build)

    p = sub.add_parser("serve",
                       help="serve both dashboards (analyst, presentation) on a built city")
    p.add_argument("dir", help="project folder (built with `atlas build`)")
    p.add_argument("--port", type=int, default=8866, help="port (default %(default)s)")
    p.add_argument("--public", action="store_true",
                   help="hardened deployment for a network: dashboards only, no tracebacks, "
                        "0.0.0.0")
    p.add_argument("--pool-size", type=_pool_size, default=None, metavar="N",
                   help="preheated kernels of the analyst dashboard, ready for visitors "
                        "arriving together: about the size of the room (default "
                        f"{DEFAULT_POOL_SIZE}, {PUBLIC_POOL_SIZE} with --public; each idle one "
                        "holds ~150 MB of its own; the presentation keeps one)")
    p.add_argument("--dry-run", action="store_true", help="print the Voila command, do not run it")
    p.set_defaults(run=_cmd_serve)
