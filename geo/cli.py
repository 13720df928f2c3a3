"""The ``atlas`` command line: sample data, validation reports, cube builds (pandas or Dask) and
per-cell queries for pipelines.

Errors a user can cause (a bad file, a bad option) print one clear message and exit 2; no
traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from geo.cli_query import (  # noqa: F401 (K_ZERO_WARNING, PUBLIC_SALT_NOTE: public names)
    K_ZERO_WARNING,
    PUBLIC_SALT_NOTE,
    _add_load_options,
    _add_query_parser,
    _key_salt,
)
from geo.errors import AtlasError

EXIT_OK, EXIT_DROPPED, EXIT_UNUSABLE = 0, 1, 2


def _cmd_sample(args: argparse.Namespace) -> int:
    from geo.sample import PRESETS, generate_city, write_city

    kwargs: dict = {"seed": args.seed}
    if args.incidents is not None:
        kwargs["incidents"] = args.incidents
    if args.partitions is not None or args.rows_per_partition is not None:
        if args.size != "sample":
            print("atlas sample: --size city|metro is written in one piece, without "
                  "--partitions", file=sys.stderr)
            return EXIT_UNUSABLE
        return _sample_partitioned(args, kwargs)
    preset = PRESETS[args.size]
    sizes = {"incidents": preset.incidents, "app_reports": preset.app_reports,
             "perceptions": preset.perceptions, "venues": preset.venues}
    city = generate_city(**{**sizes, **kwargs}, tiling=preset.tiling)
    paths = write_city(city, Path(args.out), fmt=args.fmt)
    counts = {name: len(getattr(city, name)) for name in ("incidents", "perceptions", "venues")}
    cols, rows = city.metadata.get("tiles", (1, 1))
    print(f"synthetic sample city written to {args.out} (seed {args.seed}, size {args.size}: "
          f"{cols} x {rows} tiles of 8 x 6 km)")
    for name, n in counts.items():
        print(f"  {name}: {n:,} rows")
    for path in paths.values():
        print(f"  {path}")
    return EXIT_OK


def _sample_partitioned(args: argparse.Namespace, kwargs: dict) -> int:
    """Incidents written chunk by chunk as ``incidents/part-*``: never all in memory."""
    from geo.sample import write_partitioned_city

    paths = write_partitioned_city(
        args.out, fmt=args.fmt, partitions=args.partitions,
        rows_per_partition=args.rows_per_partition,
        progress=lambda line: print(f"atlas sample: {line}", file=sys.stderr), **kwargs,
    )
    meta = json.loads(paths["metadata"].read_text(encoding="utf-8"))
    print(f"synthetic sample city written to {args.out} (seed {args.seed}): "
          f"{meta['counts']['incidents']:,} incidents in {meta['partitions']} partitions")
    print("\n".join(f"  {path}" for path in paths.values()))
    return EXIT_OK


def _cmd_build_cube(args: argparse.Namespace) -> int:
    """Count many files into one cube folder, with pandas or on a Dask cluster."""
    from geo.cube import BUILD_FILE, CUBE_FILE, build_cube, write_cube_dir

    options = _load_options(args) if args.validate else None
    build = build_cube(
        args.inputs, engine=args.engine, scheduler=args.scheduler, workers=args.workers,
        worker_memory=args.worker_memory, validate=args.validate, options=options,
        resolution=args.res, day_boundary=args.day_boundary, span_cap_hours=args.span_cap_hours,
        key_salt=_key_salt(args),
        progress=lambda line: print(f"atlas build-cube: {line}", file=sys.stderr),
    )
    out = write_cube_dir(build, args.out)
    info = build.info
    print(f"incident cube of {info['rows']:,} rows ({info['cube_rows']:,} cube rows) built with "
          f"{info['engine']} from {info['files']:,} {info['format']} files in "
          f"{info['partitions']:,} partitions in {info['seconds']:.1f} s ({info['where']})")
    if "validation" in info:
        v = info["validation"]
        print(f"  validated: rows in {v['rows_in']:,}, kept {v['rows_out']:,}, "
              f"merged {v['rows_merged']:,}, dropped {v['rows_dropped']:,}")
    print(f"  {out / CUBE_FILE}\n  {out / BUILD_FILE}")
    return EXIT_OK


def _load_options(args: argparse.Namespace):
    from geo.schema import LoadOptions

    return LoadOptions(
        timezone=args.timezone,
        default_times_unknown=args.default_times_unknown,
        source=getattr(args, "source", None),
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    from geo.io import read_table

    result = read_table(
        args.file,
        args.table,
        format=args.format,
        mapping=args.mapping,
        options=_load_options(args),
    )
    report = result.report
    if args.dropped_out and report.rows_dropped:
        report.dropped_rows.to_csv(args.dropped_out, index=False)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        print(report.to_text())
        if args.dropped_out and report.rows_dropped:
            print(f"  dropped rows written to {args.dropped_out}")
    return EXIT_OK if report.ok else EXIT_DROPPED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atlas",
        description="Insecurity Atlas: recorded incidents, perceived insecurity and venues on H3.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    from geo.cli_city import add_city_commands

    add_city_commands(sub)

    p = sub.add_parser("sample", help="write the synthetic sample city (deterministic)")
    p.add_argument("--out", default="data/sample", help="output folder (default %(default)s)")
    p.add_argument("--size", choices=["sample", "city", "metro"], default="sample",
                   help="sample: 8 x 6 km, 70k incidents; city: 32 x 24 km, 1M incidents "
                   "(~40k occupied res-10 cells); metro: 56 x 42 km, 3M incidents (~120k cells)")
    p.add_argument("--incidents", type=int, default=None, help="number of police incidents")
    p.add_argument("--seed", type=int, default=20251, help="random seed (default %(default)s)")
    p.add_argument("--fmt", choices=["csv", "parquet"], default="csv", help="table file format")
    chunks = p.add_mutually_exclusive_group()
    chunks.add_argument("--partitions", type=_positive_int, default=None, metavar="N",
                        help="write incidents as N files incidents/part-*.FMT, generated chunk "
                        "by chunk (for sets larger than memory)")
    chunks.add_argument("--rows-per-partition", type=_positive_int, default=None, metavar="R",
                        help="the same, with at most R incidents per file")
    p.set_defaults(run=_cmd_sample)

    p = sub.add_parser("validate", help="read a file and print its validation report")
    p.add_argument("file")
    p.add_argument("--table", choices=["incidents", "perceptions", "venues"], default=None)
    p.add_argument(
        "--format",
        default=None,
        help="chicago, sf, nypd, policeuk, osm or generic (default: detected from the header)",
    )
    p.add_argument("--mapping", default=None, help="column mapping file (YAML or JSON)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--dropped-out", default=None, help="write the dropped rows to this CSV")
    p.add_argument("--source", default=None, help="source label for incidents (police, app, ...)")
    _add_load_options(p)
    p.set_defaults(run=_cmd_validate)

    _add_query_parser(sub)
    _add_build_cube_parser(sub)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _add_build_cube_parser(sub) -> None:
    # Defaults are spelled out here, not imported from geo.cube: `atlas --help` stays instant.
    p = sub.add_parser(
        "build-cube",
        help="count many incident files into one cube folder, with pandas or on Dask",
        description="Index and count canonical incidents (partitioned Parquet or many CSVs) "
        "into an incident cube folder that `atlas query --cube` and the dashboard read. "
        "With --engine dask each partition is counted on a worker and only partial cubes "
        "are combined, so the raw rows never need to fit in memory.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="Parquet/CSV files, folders of them, quoted glob patterns or URLs")
    p.add_argument("--out", required=True, metavar="DIR", help="cube folder to write")
    p.add_argument("--engine", choices=["pandas", "dask"], default="dask",
                   help="dask (partition by partition; default) or pandas (all in memory)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="existing Dask "
                   "scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster on 127.0.0.1)")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="LocalCluster workers (default: one per core)")
    p.add_argument("--worker-memory", default="1.5GiB",
                   help="LocalCluster memory limit per worker (default %(default)s)")
    p.add_argument("--res", type=int, default=10, help="H3 resolution of the cube (default 10)")
    p.add_argument("--day-boundary", type=int, default=6,
                   help="hour before which an event belongs to the previous night (default 6)")
    p.add_argument("--span-cap-hours", type=float, default=24,
                   help="longer spans have no usable hour (default 24)")
    p.add_argument("--validate", action="store_true",
                   help="read each file through the atlas readers (any supported export format, "
                   "validation report in build.json) instead of as canonical incidents")
    p.add_argument("--source", default=None,
                   help="with --validate: source label for incidents whose file has none")
    p.add_argument("--key-salt-file", default=None, metavar="FILE",
                   help="file holding the project's secret salt of the record keys (default: "
                   "the sample city's public salt); `atlas query --cube` needs the same file")
    _add_load_options(p)
    p.set_defaults(run=_cmd_build_cube)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except AtlasError as exc:
        print(f"atlas {args.command}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except (OSError, ValueError) as exc:
        print(f"atlas {args.command}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
