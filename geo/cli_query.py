"""``atlas query``: one view of a city as a per-cell table for pipelines, and the options it
shares with the other commands (time zone, key salt).

Registered by :mod:`geo.cli`; kept apart so each command module stays small.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK = 0


def _key_salt(args: argparse.Namespace) -> str | None:
    """The project's secret salt of the record keys: from a file, never the command line
    (shell histories, process lists); without one, the sample city's public default."""
    path = getattr(args, "key_salt_file", None)
    if path is None:
        return None
    salt = Path(path).read_text(encoding="utf-8").strip()
    if not salt:
        raise ValueError(f"--key-salt-file {path}: the file is empty")
    return salt


QUERY_TABLES: tuple[str, ...] = ("incidents", "perceptions", "venues")
"""The files ``atlas query`` reads, each with its own ``--<table>-mapping``."""

K_ZERO_WARNING = "k = 0: no suppression — internal analysis only"
PUBLIC_SALT_NOTE = ("record keys use the public sample salt: give the project's --key-salt-file, "
                    "or anyone who knows record ids can recompute the noise")


def _query_from_args(args: argparse.Namespace):
    """The Query the flags describe; each bad value is named by its flag (exit 2).

    Flags left out are not passed, so the defaults stay those of :class:`geo.metrics.Query`.
    """
    import datetime as dt

    from geo.metrics import Query
    from geo.sun import SunWindow
    from geo.timewin import HourWindow, parse_weekdays

    parsers = {"hours": HourWindow.parse, "weekdays": parse_weekdays,
               "date_from": dt.date.fromisoformat, "date_to": dt.date.fromisoformat}
    flags = {"resolution": "res", "hours": "hours", "weekdays": "weekdays",
             "categories": "categories", "sources": "sources", "groups": "groups", "k": "k",
             "min_answers": "min_answers", "mode": "mode", "date_from": "date_from",
             "date_to": "date_to"}
    kwargs = {}
    for field, dest in flags.items():
        value = getattr(args, dest)
        if value is None:
            continue
        flag = {"date_from": "from", "date_to": "to"}.get(dest, dest).replace("_", "-")
        try:
            if field == "hours" and SunWindow.is_sun_window(value):
                kwargs["sun"] = SunWindow.parse(value)
                continue
            kwargs[field] = parsers[field](value) if field in parsers else value
            if field not in parsers:
                Query(**{field: value})  # validate alone, so the message names this flag
        except ValueError as exc:
            raise ValueError(f"--{flag} {value!r}: {exc}") from None
    try:
        return Query(**kwargs)
    except ValueError as exc:
        raise ValueError(f"--from/--to: {exc}") from None


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

    protection = {"key_salt": _key_salt(args), "published_sources": args.published_sources or ""}
    if args.cube is not None:
        atlas = Atlas.from_cube(args.cube, frames.get("perceptions"), frames.get("venues"),
                                reports=reports, **protection)
        print(f"incidents: cube {args.cube} ({atlas.incident_cube.rows:,} rows)", file=sys.stderr)
        metadata = atlas.metadata
    else:
        metadata = _sibling_metadata(Path(args.incidents))
        atlas = Atlas(frames["incidents"], frames.get("perceptions"), frames.get("venues"),
                      metadata=metadata, reports=reports, **protection)
    names = [Path(p).name for p in (args.cube, *(getattr(args, t) for t in QUERY_TABLES)) if p]
    label = args.label or metadata.get("city") or ", ".join(names)
    if query.k != 0 and protection["key_salt"] is None and not metadata.get("synthetic"):
        print(f"note: {PUBLIC_SALT_NOTE}", file=sys.stderr)
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
    privacy = p.add_argument_group("privacy (the city project's settings)")
    privacy.add_argument("--published-sources", default=None, metavar="NAMES",
                         help="comma-separated incident sources already public at point level "
                         "(e.g. police for police.uk): shown exactly; every other source and "
                         "the answers carry small random noise")
    privacy.add_argument("--key-salt-file", default=None, metavar="FILE",
                         help="file holding the project's secret salt of the record keys "
                         "(default: the sample city's public salt)")
    view = p.add_argument_group("the view")
    view.add_argument("--res", type=int, default=None, help="H3 resolution, 7-10 (default 9)")
    view.add_argument("--hours", default=None,
                      help="night-hour window, e.g. 22-4, or one that follows the sun at the "
                           "city's location: dark (civil dusk to dawn), dusk+2 (default: all)")
    view.add_argument("--from", dest="date_from", default=None, metavar="DATE",
                      help="first night, YYYY-MM-DD (a night belongs to the date it starts on)")
    view.add_argument("--to", dest="date_to", default=None, metavar="DATE",
                      help="last night, YYYY-MM-DD, inclusive")
    view.add_argument("--weekdays", default=None, help="nights, e.g. fri,sat or mon-thu")
    view.add_argument("--categories", default=None, help="comma-separated categories")
    view.add_argument("--sources", default=None, help="comma-separated sources, e.g. police,app")
    view.add_argument("--groups", default=None, help="comma-separated respondent groups")
    view.add_argument("--k", type=int, default=None,
                      help=f"privacy threshold (default {DEFAULT_K}; 0 = no threshold and no "
                      "noise: exact counts, internal analysis only)")
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
