"""Delimited text files as tables of strings: encodings, delimiters and malformed lines.

Real exports arrive with a UTF-8 byte-order mark, as UTF-16 from spreadsheets, in cp1252, or
mixed (mostly UTF-8 with a few cp1252 lines pasted in); with commas, semicolons, tabs or pipes;
and with the odd line holding too many or too few fields. This module turns all of them into one
Arrow table of strings (null where blank) plus a ledger of what it had to do, so each reader
only deals with what its format means. Arrow's multi-threaded CSV parser keeps a million rows
well under a second; the slow paths (line-by-line decoding, single-threaded re-read to number
bad lines) only run on files that need them.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from geo.errors import FileFormatError
from geo.schema import ROW_COLUMN, ReportBuilder

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
"""Candidates the sniffer tries, in order of preference when they tie."""

HEAD_BYTES = 64 * 1024
"""How much of a file the sniffer reads to find encoding, delimiter and header."""

BLOCK_BYTES = 16 * 1024 * 1024
"""Arrow CSV block size: large blocks parse faster and bound the longest row."""

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook or a zipped export?), not a text table"),
    (b"\x1f\x8b", "gzip-compressed; decompress it first"),
    (b"%PDF", "a PDF document, not a table"),
)


@dataclass(frozen=True)
class CsvSniff:
    """What the first bytes of a delimited file say: encoding, delimiter and header."""

    path: Path
    encoding: str
    """``utf8``, ``utf16`` or ``mixed`` (decode line by line, cp1252 where UTF-8 fails)."""
    delimiter: str
    header: tuple[str, ...]


@dataclass
class RawTable:
    """All requested columns of a delimited file as strings, and the ledger of reading it."""

    sniff: CsvSniff
    table: pa.Table
    rows: np.ndarray
    """1-based data row of each table row (gaps where malformed lines were set aside)."""
    malformed: pd.DataFrame
    repaired: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return self.table.num_rows + len(self.malformed)

    def strings(self, column: str) -> pd.Series:
        """One column as a pandas string Series (NaN where blank)."""
        return self.table[column].to_pandas()

    def frame(self, columns: dict[str, str]) -> pd.DataFrame:
        """The file columns named by ``columns`` values, renamed to its keys, with ``_row``."""
        data = {name: self.strings(source) for name, source in columns.items()}
        data[ROW_COLUMN] = pd.Series(self.rows)
        return pd.DataFrame(data)

    def builder(self, format: str, table: str) -> ReportBuilder:
        """A ledger holding what reading already did: decoding repairs and malformed lines."""
        builder = ReportBuilder(str(self.sniff.path), format, table, self.rows_in)
        for reason, count in self.repaired.items():
            builder.repair(reason, count)
        for text in self.notes:
            builder.note(text)
        if len(self.malformed):
            builder.drop(self.malformed, pd.Series(True, index=self.malformed.index),
                         "malformed_line_wrong_field_count")
        if self.rows_in == 0:
            builder.note("no data rows: the file has a header only")
        return builder


def fast_floats(values: pd.Series) -> pd.Series:
    """Floats when every value is a clean number (one Arrow cast); else the text unchanged."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    try:
        cast = pc.cast(pa.array(values), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return values
    return pd.Series(cast.to_numpy(zero_copy_only=False), index=values.index, dtype="float64")


def sniff_kind(path: Path) -> str:
    """``json``, ``parquet``, ``gpkg`` or ``text``, from the file's first bytes.

    Raises :class:`FileFormatError` for files that are missing, empty or plainly not tables
    (binary, archives, HTML).
    """
    path = Path(path)
    if not path.exists():
        raise FileFormatError(str(path), "file not found")
    if not path.is_file():
        raise FileFormatError(str(path), "not a file")
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        raise FileFormatError(str(path), "empty file (0 bytes): nothing to read")
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    for magic, problem in _MAGIC:
        if head.startswith(magic):
            raise FileFormatError(str(path), f"not a table: {problem}")
    if head.startswith(_UTF16_BOMS):
        return "text"
    stripped = head.removeprefix(_UTF8_BOM).lstrip()
    if not stripped:
        raise FileFormatError(str(path), "no header: the file holds only blank space")
    if b"\x00" in head or _control_ratio(head) > 0.01:
        raise FileFormatError(str(path), "not a table: binary data, not delimited text or JSON")
    lowered = stripped[:200].lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        raise FileFormatError(str(path), "an HTML page, not a table (a failed download?)")
    if stripped[:1] in (b"{", b"["):
        return "json"
    return "text"


def _control_ratio(data: bytes) -> float:
    """Share of ASCII control bytes other than tab, CR, LF: near zero in any text table."""
    controls = sum(data.count(bytes([b])) for b in range(32) if b not in (9, 10, 13))
    return controls / max(len(data), 1)


def _head_text(path: Path) -> tuple[str, str]:
    """Encoding and decoded first block (cut at a line end so no character is split)."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        more = bool(handle.read(1))
    if head.startswith(_UTF16_BOMS):
        text = head.decode("utf-16", errors="replace")
        return "utf16", text.rsplit("\n", 1)[0] if more and "\n" in text else text
    head = head.removeprefix(_UTF8_BOM)
    if more and b"\n" in head:
        head = head[: head.rfind(b"\n")]
    try:
        return "utf8", head.decode("utf-8")
    except UnicodeDecodeError:
        return "mixed", "\n".join(_decode_line(line)[0] for line in head.split(b"\n"))


def _decode_line(line: bytes) -> tuple[str, bool]:
    """One line as text, and whether it needed cp1252 (latin-1 for bytes cp1252 lacks)."""
    try:
        return line.decode("utf-8"), False
    except UnicodeDecodeError:
        try:
            return line.decode("cp1252"), True
        except UnicodeDecodeError:
            return line.decode("latin-1"), True


def _sniff_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the most columns, consistently."""
    best, best_score = ",", (False, 1)
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if r][:30]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        body = rows[1:-1] or rows[1:]  # the last sniffed line may be cut short
        consistent = not body or sum(len(r) == width for r in body) >= 0.8 * len(body)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _unique_names(names: Sequence[str]) -> tuple[str, ...]:
    """Blank names become ``unnamed_<i>``; repeated names get ``.1``, ``.2`` (as pandas does)."""
    seen: Counter[str] = Counter()
    out = []
    for i, name in enumerate(names, start=1):
        name = name.strip() or f"unnamed_{i}"
        out.append(f"{name}.{seen[name]}" if seen[name] else name)
        seen[name] += 1
    return tuple(out)


def sniff_csv(path: Path, delimiter: str | None = None) -> CsvSniff:
    """Encoding, delimiter and header of a delimited text file."""
    path = Path(path)
    encoding, text = _head_text(path)
    delimiter = delimiter or _sniff_delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error as exc:
        raise FileFormatError(str(path), f"cannot read the header line: {exc}") from None
    if not any(h.strip() for h in header):
        raise FileFormatError(str(path), "no header line: the first line is blank")
    return CsvSniff(path, encoding, delimiter, _unique_names(header))


def column_key(name: str) -> str:
    """How column names are compared: case, surrounding blanks and ``_`` vs space ignored."""
    return re.sub(r"[\s_]+", " ", name.strip().lower())


def match_columns(
    path: Path | str,
    available: Sequence[str],
    required: Sequence[str],
    optional: Iterable[str] = (),
    hint: str = "",
) -> dict[str, str]:
    """Map expected column names to the file's spelling, matching case and ``_``/space loosely.

    Raises :class:`FileFormatError` naming expected and found columns when a required one is
    missing.
    """
    found = {column_key(h): h for h in reversed(list(available))}
    names = (*required, *optional)
    out = {name: found[column_key(name)] for name in names if column_key(name) in found}
    missing = [name for name in required if name not in out]
    if missing:
        raise FileFormatError(
            str(path),
            "missing required columns: " + ", ".join(missing) + hint,
            expected=required,
            found=available,
        )
    return out


def resolve_columns(
    sniff: CsvSniff, required: Sequence[str], optional: Iterable[str] = ()
) -> dict[str, str]:
    """:func:`match_columns` on a CSV header, with a delimiter hint in the error."""
    return match_columns(sniff.path, sniff.header, required, optional,
                         f" ({delimiter_hint(sniff)})")


def delimiter_hint(sniff: CsvSniff) -> str:
    """How the header was split, and what it looks like when it did not split at all."""
    hint = f"read as {sniff.delimiter!r}-delimited"
    if len(sniff.header) == 1:
        others = [d for d in DELIMITERS if d != sniff.delimiter and d in sniff.header[0]]
        hint += (f"; the header looks {others[0]!r}-delimited" if others
                 else "; the header did not split on , ; tab or |")
    return hint


def read_csv_table(sniff: CsvSniff, include: Sequence[str] | None = None) -> RawTable:
    """Read the file's ``include`` columns (all by default) as strings, blank = null."""
    include = list(dict.fromkeys(include if include is not None else sniff.header))
    repaired: Counter[str] = Counter()
    notes: list[str] = []
    source: Path | io.BytesIO = sniff.path
    if sniff.encoding == "mixed":
        source, n_cp1252 = _transcode_mixed(sniff.path)
        repaired["decoded_as_cp1252"] += n_cp1252
        notes.append(f"{n_cp1252:,} line(s) were not UTF-8 and were decoded as cp1252/latin-1")
    if sniff.delimiter != ",":
        notes.append(f"read as {sniff.delimiter!r}-delimited")
    try:
        table, bad = _arrow_read(sniff, source, include, precise=False)
        if bad:  # number the bad lines exactly: one more pass, single-threaded
            table, bad = _arrow_read(sniff, source, include, precise=True)
    except _NotUtf8:
        if sniff.encoding != "utf8":
            raise FileFormatError(str(sniff.path), "cannot decode the file's text") from None
        return read_csv_table(CsvSniff(sniff.path, "mixed", sniff.delimiter, sniff.header),
                              include)
    rows_in = table.num_rows + len(bad)
    bad_rows = np.array([n - 1 for n, _ in bad], dtype="int64")
    rows = np.setdiff1d(np.arange(1, rows_in + 1), bad_rows) if len(bad) else np.arange(
        1, rows_in + 1)
    malformed = pd.DataFrame({ROW_COLUMN: bad_rows, "_line": [t for _, t in bad]})
    return RawTable(sniff, table, rows, malformed, repaired, notes)


class _NotUtf8(Exception):
    """Arrow met bytes that are not UTF-8 in a column it converted."""


def _transcode_mixed(path: Path) -> tuple[io.BytesIO, int]:
    """The file re-encoded as UTF-8, decoding each line on its own; lines needing cp1252."""
    lines = path.read_bytes().removeprefix(_UTF8_BOM).split(b"\n")
    decoded = [_decode_line(line) for line in lines]
    text = "\n".join(t for t, _ in decoded)
    return io.BytesIO(text.encode("utf-8")), sum(flag for _, flag in decoded)


def _arrow_read(
    sniff: CsvSniff, source: Path | io.BytesIO, include: list[str], *, precise: bool
) -> tuple[pa.Table, list[tuple[int, str]]]:
    """One Arrow pass; ``precise`` reads single-threaded so bad lines get their numbers."""
    bad: list[tuple[int, str]] = []

    def keep_bad(row: pcsv.InvalidRow) -> str:
        bad.append((row.number or 0, row.text))
        return "skip"

    if isinstance(source, io.BytesIO):
        source.seek(0)
    read = pcsv.ReadOptions(
        column_names=list(sniff.header),
        skip_rows=1,
        block_size=BLOCK_BYTES,
        use_threads=not precise,
        encoding="utf16" if sniff.encoding == "utf16" else "utf8",
    )
    parse = pcsv.ParseOptions(
        delimiter=sniff.delimiter, newlines_in_values=precise, invalid_row_handler=keep_bad
    )
    convert = pcsv.ConvertOptions(
        include_columns=include,
        column_types={name: pa.large_string() for name in include},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    try:
        table = pcsv.read_csv(source, read_options=read, parse_options=parse,
                              convert_options=convert)
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "UTF8" in message or "UTF-8" in message:
            raise _NotUtf8 from None
        if "skip initial" in message:  # header line only, without a final newline
            return _empty(include), []
        raise FileFormatError(str(sniff.path), f"cannot parse as delimited text: {message}",
                              found=sniff.header) from None
    except (pa.ArrowException, UnicodeError) as exc:
        raise FileFormatError(str(sniff.path), f"cannot read as delimited text: {exc}") from None
    return table, bad


def _empty(columns: Sequence[str]) -> pa.Table:
    return pa.table({name: pa.array([], pa.large_string()) for name in columns})
