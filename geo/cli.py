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


QUERY_TABLES: tuple[str, ...] = ("incidents", "perceptions", "venues")
"""The files ``atlas query`` reads, each with its own ``--<table>-mapping``."""

K_ZERO_WARNING = "k = 0: no suppression — internal analysis only"


def _query_from_args(args: argparse.Namespace):
    """The Query the flags describe; each bad value is named by its flag (exit 2).

    Flags left out are not passed, so the defaults stay those of :class:`geo.metrics.Query`.
    """
    from geo.metrics import Query
    from geo.timewin import HourWindow, parse_weekdays

    parsers = {"hours": HourWindow.parse, "weekdays": parse_weekdays}
    flags = {"resolution": "res", "hours": "hours", "weekdays": "weekdays",
             "categories": "categories", "sources": "sources", "groups": "groups", "k": "k",
             "min_answers": "min_answers", "mode": "mode"}
    kwargs = {}
    for field, dest in flags.items():
        value = getattr(args, dest)
        if value is None:
            continue
        try:
            kwargs[field] = parsers[field](value) if field in parsers else value
            if field not in parsers:
                Query(**{field: value})  # validate alone, so the message names this flag
        except ValueError as exc:
            raise ValueError(f"--{dest.replace('_', '-')} {value!r}: {exc}") from None
    return Query(**kwargs)


def _report_line(table: str, result) -> str:
    """One stderr line per file: what was read, and how many rows survived validation."""
    report = result.report
    line = (f"{table}: {report.path} ({result.format}) rows in {report.rows_in:,}, "
            f"kept {report.rows_out:,}, merged {report.rows_merged:,}, "
            f"dropped {report.rows_dropped:,}")
    if report.dropped:
        line += " (" + ", ".join(f"{k} {v:,}" for k, v in sorted(report.dropped.items())) + ")"
    return line


def _sibling_metadata(path: Path) -> dict:
    """``metadata.json`` beside the incidents file, as ``atlas sample`` writes it.

    It carries ``synthetic: true``, which every export of the sample city must say.
    """
    meta = path.parent / "metadata.json"
    if not meta.is_file():
        return {}
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        print(f"atlas query: {meta} is not readable JSON; ignored", file=sys.stderr)
        return {}
    return data if isinstance(data, dict) else {}


def _output_format(args: argparse.Namespace) -> str:
    from geo.export import TABLE_FORMATS

    fmt = args.format
    if fmt is None and args.out is not None:
        suffix = Path(args.out).suffix.lower().lstrip(".")
        fmt = {"geoparquet": "parquet"}.get(suffix, suffix)
        if fmt not in TABLE_FORMATS:
            raise ValueError(f"--out {args.out}: cannot tell the format from the name; "
                             f"give --format ({', '.join(TABLE_FORMATS)})")
    fmt = fmt or "csv"
    if fmt == "parquet" and args.out is None:
        raise ValueError("--format parquet writes a binary file: give --out FILE")
    return fmt


def _cmd_query(args: argparse.Namespace) -> int:
    """Read, query, protect, print or write: the per-cell table a pipeline consumes."""
    from geo.io import read_table
    from geo.metrics import Atlas
    from geo.schema import LoadOptions

    # Options first: a typo in --hours must not cost the reading of a large file.
    query = _query_from_args(args)
    fmt = _output_format(args)
    if args.city is not None:
        from geo.city import open_city

        city = open_city(args.city)
        if args.k is None:  # the project's floor, unless asked otherwise (e.g. --k 0)
            query = query.with_(k=city.k_floor)
        return _answer(args, city.atlas, query, fmt, args.label or city.project.city)
    frames, reports = {}, {}
    for table in QUERY_TABLES:
        path = getattr(args, table)
        if path is None:
            continue  # incidents may come as a cube folder (--cube) instead
        options = LoadOptions(
            timezone=args.timezone,
            default_times_unknown=args.default_times_unknown,
            source=args.source if table == "incidents" else None,
        )
        loaded = read_table(path, table, mapping=getattr(args, f"{table}_mapping"),
                            options=options)
        print(_report_line(table, loaded), file=sys.stderr)
        frames[table], reports[table] = loaded.frame, loaded.report

    if args.cube is not None:
        atlas = Atlas.from_cube(args.cube, frames.get("perceptions"), frames.get("venues"),
                                reports=reports)
        print(f"incidents: cube {args.cube} ({atlas.incident_cube.rows:,} rows)", file=sys.stderr)
        metadata = atlas.metadata
    else:
        metadata = _sibling_metadata(Path(args.incidents))
        atlas = Atlas(frames["incidents"], frames.get("perceptions"), frames.get("venues"),
                      metadata=metadata, reports=reports)
    names = [Path(p).name for p in (args.cube, *(getattr(args, t) for t in QUERY_TABLES)) if p]
    label = args.label or metadata.get("city") or ", ".join(names)
    return _answer(args, atlas, query, fmt, label)


def _answer(args: argparse.Namespace, atlas, query, fmt: str, label: str) -> int:
    """Answer the query and print or write the protected table."""
    from geo.export import caption, export_table, metadata_path, table_text

    extra = {} if args.permutations is None else {"permutations": args.permutations}
    result = atlas.query(query, local_stats=args.local_stats, **extra)
    if query.k == 0:
        print(f"warning: {K_ZERO_WARNING}", file=sys.stderr)

    if args.out is None:
        sys.stdout.write(table_text(result, fmt, data_label=label))
        if fmt == "csv":  # no sidecar on stdout: the caption (with k) goes beside it
            print(caption(result, label), file=sys.stderr)
    else:
        path = export_table(result, args.out, fmt, data_label=label)
        extra = f" and {metadata_path(path)}" if fmt == "csv" else ""
        print(f"{len(result.table):,} cells written to {path}{extra}", file=sys.stderr)
    return EXIT_OK


def _add_load_options(p: argparse.ArgumentParser) -> None:
    from geo.columns import DEFAULT_TIMEZONE

    p.add_argument(
        "--timezone", default=DEFAULT_TIMEZONE, help="city time zone (default %(default)s)"
    )
    p.add_argument(
        "--default-times-unknown",
        action="store_true",
        help="treat times of exactly 00:00 or 12:00 as 'hour unknown'",
    )


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
    _add_load_options(p)
    p.set_defaults(run=_cmd_build_cube)


def _add_query_parser(sub) -> None:
    # Defaults are left to geo.metrics.Query (None = not given), which is not imported here:
    # building the parser must stay instant for `atlas --help` and the other commands.
    from geo.columns import DEFAULT_K

    p = sub.add_parser(
        "query",
        help="per-cell table of one view (recorded, perceived, venues, comparison), protected",
        description="Read the files, answer one query per H3 cell and print or write the "
        "protected table. Known export formats are detected; other files need a mapping.",
    )
    files = p.add_argument_group("input files")
    incidents = files.add_mutually_exclusive_group(required=True)
    incidents.add_argument("--incidents", metavar="FILE", help="incidents file")
    incidents.add_argument("--cube", metavar="DIR",
                           help="incident cube folder from `atlas build-cube`, instead of a file")
    incidents.add_argument("--city", metavar="DIR",
                           help="a built city project (`atlas build DIR`): all its tables")
    files.add_argument("--perceptions", metavar="FILE", help="survey / perception file")
    files.add_argument("--venues", metavar="FILE", help="nightlife venues (e.g. OSM GeoJSON)")
    for table in QUERY_TABLES:
        files.add_argument(f"--{table}-mapping", metavar="FILE", default=None,
                           help=f"column mapping (YAML/JSON) for the {table} file")
    files.add_argument("--source", default=None,
                       help="source label for incidents whose file has none (police, app, ...)")
    view = p.add_argument_group("the view")
    view.add_argument("--res", type=int, default=None, help="H3 resolution, 7-10 (default 9)")
    view.add_argument("--hours", default=None, help="night-hour window, e.g. 22-4 (default: all)")
    view.add_argument("--weekdays", default=None, help="nights, e.g. fri,sat or mon-thu")
    view.add_argument("--categories", default=None, help="comma-separated categories")
    view.add_argument("--sources", default=None, help="comma-separated sources, e.g. police,app")
    view.add_argument("--groups", default=None, help="comma-separated respondent groups")
    view.add_argument("--k", type=int, default=None,
                      help=f"privacy threshold (default {DEFAULT_K}; 0 = none, internal only)")
    view.add_argument("--mode", choices=["suppress", "coarsen"], default=None,
                      help="hide small cells, or merge them into parents (default suppress)")
    view.add_argument("--min-answers", type=int, default=None,
                      help="answers a cell needs for a perceived value")
    view.add_argument("--local-stats", action="store_true",
                      help="compute Gi* hot spots and bivariate local Moran (slower)")
    view.add_argument("--permutations", type=int, default=None,
                      help="permutations of the local statistics (default 999)")
    out = p.add_argument_group("output")
    out.add_argument("--format", choices=["csv", "json", "geojson", "parquet"], default=None,
                     help="csv, json, geojson or parquet (default: from --out, else csv)")
    out.add_argument("--out", default=None, metavar="FILE",
                     help="write here (a CSV gets a NAME.meta.json beside it); default: stdout")
    out.add_argument("--label", default=None,
                     help="name of the data in captions (default: the file names)")
    _add_load_options(p)
    p.set_defaults(run=_cmd_query)


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
