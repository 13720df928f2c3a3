"""The ``atlas`` command line: sample data, validation reports and per-cell queries for pipelines.

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
    from geo.sample import generate_city, write_city

    kwargs = {"seed": args.seed}
    if args.incidents is not None:
        kwargs["incidents"] = args.incidents
    city = generate_city(**kwargs)
    paths = write_city(city, Path(args.out), fmt=args.fmt)
    counts = {name: len(getattr(city, name)) for name in ("incidents", "perceptions", "venues")}
    print(f"synthetic sample city written to {args.out} (seed {args.seed})")
    for name, n in counts.items():
        print(f"  {name}: {n:,} rows")
    for path in paths.values():
        print(f"  {path}")
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


def _add_load_options(p: argparse.ArgumentParser) -> None:
    from geo.columns import DEFAULT_TIMEZONE

    p.add_argument("--timezone", default=DEFAULT_TIMEZONE, help="city time zone (default %(default)s)")
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

    p = sub.add_parser("sample", help="write the synthetic sample city (deterministic)")
    p.add_argument("--out", default="data/sample", help="output folder (default %(default)s)")
    p.add_argument("--incidents", type=int, default=None, help="number of police incidents")
    p.add_argument("--seed", type=int, default=20251, help="random seed (default %(default)s)")
    p.add_argument("--fmt", choices=["csv", "parquet"], default="csv", help="table file format")
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
    return parser


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
