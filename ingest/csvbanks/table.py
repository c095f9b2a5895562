"""Read a decoded CSV export into a polars table, but only when polars provably reads it as
``csv.reader`` does; otherwise return ``None`` and let the row engine read (and judge) it.

Polars' reader is several times faster than ``csv.reader`` plus a Python loop, but it is lenient
where the row engine is strict and differs on malformed quoting, ragged rows, lone ``\\r`` line
ends and blank lines. So every line is first checked (vectorised) against the strict CSV grammar
both readers agree on: fields either fully quoted with doubled quotes inside, or unquoted without
a quote character, no line break inside a field, exactly the dialect's column count. A file that
passes has one record per physical line, so line numbers are simply line indices. A file that
fails is rare (a damaged or hand-edited export) and the row engine gives its exact message.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import polars as pl

from ingest.csvbanks.dialect import Dialect

WS = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
"""Every character ``str.isspace`` accepts (none lies above U+3000; a test checks this).

Rust's ``\\s`` and ``strip`` use Unicode White_Space, which lacks U+001C..U+001F that Python's
``split``/``strip`` treat as whitespace, so the vectorised code spells the set out.
"""
WS_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WS) + "]"

_FIELD_LIMIT = csv.field_size_limit()


_IRREGULAR = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WS if c != " ") + "]|  "


def clean_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised :func:`ingest.csvbanks.dialect.clean` (``" ".join(text.split())``)."""
    return expr.str.replace_all(f"{WS_CLASS}+", " ").str.strip_chars(" ")


def clean_series(values: pl.Series) -> pl.Series:
    """:func:`clean_expr` applied only where needed: a regex replace costs ten times a check,
    and most bank text has single spaces only."""
    stripped = values.str.strip_chars(WS)
    rows = stripped.str.contains(_IRREGULAR).fill_null(False).arg_true()
    if rows.len() == 0:
        return stripped
    fixed = stripped.gather(rows).to_frame("v").select(clean_expr(pl.col("v")))["v"]
    return stripped.scatter(rows, fixed)


def strip_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised ``str.strip()``."""
    return expr.str.strip_chars(WS)


def _rx(char: str) -> str:
    return f"\\x{{{ord(char):x}}}"


@dataclass(frozen=True)
class Table:
    """The data rows as string columns ``c0..cN`` (no nulls) and each row's 1-based file line."""

    frame: pl.DataFrame
    lines: range | list[int]


def _grammar(d: Dialect) -> tuple[str, str]:
    """(one field, the separator) as regular expressions for ``d``'s quote and delimiter."""
    q, s = _rx(d.quotechar), _rx(d.delimiter)
    inner = f"[^{q}\\r\\n]*"
    return f"(?:{q}{inner}(?:{q}{q}{inner})*{q}|[^{q}{s}\\r\\n]*)", s


def _header_ok(line: str, d: Dialect) -> bool:
    """The header check of the row engine, for a header line that is plain CSV by itself."""
    field, sep = _grammar(d)
    if not pl.Series([line]).str.contains(f"^{field}(?:{sep}{field})*$")[0]:
        return False
    cells = next(csv.reader([line], delimiter=d.delimiter, quotechar=d.quotechar), [])
    cells = [cell.strip() for cell in cells]
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells) == d.columns


def read_table(text: str, d: Dialect) -> Table | None:
    """The data rows of ``text`` read by polars, or ``None`` when the row engine must decide.

    ``None`` covers everything unusual: a header that is not exactly ``d.columns``, a first row
    that fails the headerless shape test, a ragged or oddly quoted line, a field with a line
    break, a lone ``\\r``, a field beyond ``csv``'s size limit. The usual file (header on line
    1, no blank lines) is checked with one regular expression over the whole text; files with
    blank lines are checked line by line.
    """
    if d.preamble is not None:
        return None
    first = 0
    if d.has_header:
        first = header_end(text)
        if not _header_ok(text[:first].removesuffix("\n").removesuffix("\r"), d):
            return _by_line(text, d)
    body = text[first:]
    if not rows_ok(body, d):
        return _by_line(text, d)
    return read_rows(body, d, 2 if d.has_header else 1, check_shape=True)


def header_end(text: str) -> int:
    """Where the line after the first one starts."""
    end = text.find("\n")
    return len(text) if end < 0 else end + 1


def header_ok(text: str, d: Dialect) -> bool:
    """Whether ``text`` starts with exactly ``d``'s header line."""
    return _header_ok(text[: header_end(text)].removesuffix("\n").removesuffix("\r"), d)


def rows_ok(body: str, d: Dialect) -> bool:
    """Every line of ``body`` is plain CSV of ``d``'s column count (see :func:`read_table`)."""
    field, sep = _grammar(d)
    line = f"{field}(?:{sep}{field}){{{len(d.columns) - 1}}}"
    return bool(_chunks(body).str.contains(f"\\A(?:{line}\\r?\\n)*(?:{line})?\\z").all())


def read_rows(body: str, d: Dialect, start: int, *, check_shape: bool) -> Table | None:
    """Data lines that passed :func:`rows_ok`, the first being file line ``start``; ``None`` in
    the rare cases polars reads them differently (see :func:`read_table`)."""
    n = body.count("\n") + (0 if body.endswith("\n") or not body else 1)
    return _read(body, d, n, range(start, start + n), check_shape=check_shape)


def _chunks(body: str, parts: int = 4) -> pl.Series:
    """``body`` cut at line ends into a few chunks, which polars checks in parallel."""
    step = len(body) // parts + 1
    pieces, pos = [], 0
    while pos < len(body):
        end = body.find("\n", pos + step)
        end = len(body) if end < 0 else end + 1
        pieces.append(pl.Series([body[pos:end]]))
        pos = end
    return pl.concat(pieces, rechunk=False) if pieces else pl.Series([""])


def _read(
    body: str, d: Dialect, n: int, numbers: range | list[int], *, check_shape: bool = True
) -> Table | None:
    schema = {f"c{i}": pl.String for i in range(len(d.columns))}
    if n == 0:
        return Table(pl.DataFrame(schema=schema), [])
    frame = pl.read_csv(
        body.encode(),
        has_header=False,
        separator=d.delimiter,
        quote_char=d.quotechar,
        schema=schema,
        infer_schema=False,
        comment_prefix=None,
        raise_if_empty=False,
    ).fill_null("")
    if frame.height != n:
        return None
    longest = frame.select(pl.max_horizontal(pl.all().str.len_bytes().max())).item()
    if longest is not None and longest > _FIELD_LIMIT:
        return None
    if check_shape and d.shape is not None and not d.shape(list(frame.row(0))):
        return None
    return Table(frame, numbers)


def _by_line(text: str, d: Dialect) -> Table | None:
    """The same checks one line at a time, so blank lines (skipped by the row engine, but
    counted in its line numbers) can be dropped; slower, and rare."""
    if text.count("\r") != text.count("\r\n"):
        return None
    field, sep = _grammar(d)
    blank_chars = WS.replace(d.delimiter, "").replace("\n", "").replace("\r", "")
    blank_class = "[" + "".join(_rx(c) for c in blank_chars) + "]"
    lines = pl.Series([text]).str.split("\n").explode().str.strip_suffix("\r")
    info = pl.DataFrame({"line": lines}).with_columns(
        blank=pl.col("line").str.contains(f"^{blank_class}*$"),
        data=pl.col("line").str.contains(f"^{field}(?:{sep}{field}){{{len(d.columns) - 1}}}$"),
    )
    nonblank = (~info["blank"]).arg_true()
    if nonblank.len() == 0:
        return None
    start = 0
    if d.has_header:
        start = int(nonblank[0])
        if not _header_ok(str(lines[start]), d):
            return None
        start += 1
    rows = info.slice(start).with_row_index("i").filter(~pl.col("blank"))
    if not rows["data"].all():
        return None
    numbers = (rows["i"] + (start + 1)).to_list()
    return _read("\n".join(rows["line"].to_list()), d, rows.height, numbers)
