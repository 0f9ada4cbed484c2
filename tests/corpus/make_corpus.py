#!/usr/bin/env python3
"""Regenerate the malformed-file / edge-case corpus in this directory.

Usage:
    python3 tests/corpus/make_corpus.py [OUT_DIR]

Everything is written with the standard library except `truncated.parquet`,
which needs pyarrow (`pip install pyarrow`). Without pyarrow that one file is
skipped (an existing copy is left untouched) and a note is printed.

The output is deterministic: fixed contents, and random.Random(42) for the
binary file. See README.md for what each file covers.
"""

import json
import random
import sys
from pathlib import Path

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent


def write(name: str, data) -> None:
    if isinstance(data, str):
        data = data.encode("utf-8")
    (OUT / name).write_bytes(data)
    print(f"wrote {name} ({len(data)} bytes)")


def lines(*rows: str, end: str = "\n") -> str:
    return "".join(row + end for row in rows)


def malformed() -> None:
    # Line 4 (third data row) has 2 fields instead of 3.
    write("ragged_short.csv", lines("a,b,c", "1,2,3", "4,5,6", "7,8", "10,11,12"))

    # Line 3 (second data row) has 4 fields instead of 3.
    write("ragged_long.csv", lines("a,b,c", "1,2,3", "4,5,6,7", "8,9,10"))

    # The quote opened on line 3 never closes; it swallows lines 4-5.
    write(
        "unclosed_quote.csv",
        lines("id,comment", "1,fine", '2,"this quote never closes', "3,ok", "4,fine"),
    )

    # Rows 1..30 are integers (lines 2..31); line 32 holds `31,abc`.
    rows = ["id,amount"]
    rows += [f"{i},{i * 10}" for i in range(1, 31)]
    rows.append("31,abc")
    rows += [f"{i},{i * 10}" for i in range(32, 36)]
    write("mixed_types.csv", lines(*rows))

    write("empty.csv", b"")
    write("header_only.csv", "a,b,c\n")

    # 2 KiB of pseudo-random bytes (random.Random(42)), with guaranteed NULs.
    rng = random.Random(42)
    blob = bytearray(rng.randrange(256) for _ in range(2048))
    for pos in (0, 1, 7, 100, 1000, 2047):
        blob[pos] = 0
    write("binary.csv", bytes(blob))

    # Line 2 is valid UTF-8; line 3 has Zürich in ISO-8859-1 (0xFC), invalid UTF-8.
    write(
        "latin1.csv",
        "name,city\n".encode("utf-8")
        + "1,Genève\n".encode("utf-8")
        + "2,Zürich\n".encode("latin-1")
        + "3,Basel\n".encode("utf-8"),
    )

    # Missing comma between the objects on lines 3 and 4: a parser reports line 4.
    write(
        "bad.json",
        lines(
            "[",
            '  {"name": "ann", "age": 31},',
            '  {"name": "bob", "age": 42}',
            '  {"name": "cy", "age": 27},',
            '  {"name": "dee", "age": 55}',
            "]",
        ),
    )

    write(
        "bad.ndjson",
        lines(
            '{"a": 1, "b": 2}',
            '{"a": 2, "b": 3}',
            '{"a": 1, "b": }',
            '{"a": 4, "b": 5}',
            '{"a": 5, "b": 6}',
        ),
    )

    # A zip local-file-header magic followed by filler: not a real archive.
    write("not_a_table.xlsx", b"PK\x03\x04" + b"\x14\x00\x00\x00" + b"not really a spreadsheet " * 8)


def valid() -> None:
    write("bom.csv", b"\xef\xbb\xbf" + b"x,y\n1,2\n3,4\n")

    write(
        "semicolon_quoted.csv",
        lines(
            '"name";"note"',
            '"ann";"likes a, b and ""c"""',
            '"bob";"says ""hi"", then leaves"',
            '"cy";"plain, with commas, only"',
        ),
    )

    write("no_header.tsv", lines("1\t2\t3", "4\t5\t6", "7\t8\t9", "10\t11\t12"))

    # CRLF line ends; the quoted note on the second record spans two lines.
    write(
        "crlf.csv",
        lines("id,note", "1,first", '2,"two\r\nlines"', "3,third", end="\r\n"),
    )

    write(
        "nulls.csv",
        lines("a,b,c", "1,NA,3", ",5,null", "7,,NA", "null,8,9", "10,11,"),
    )

    people = [
        {"name": "ann", "age": 31, "score": 88.5},
        {"name": "bob", "age": 42, "score": 71.25},
        {"name": "cy", "age": 27, "score": 93.0},
        {"name": "dee", "age": 55, "score": 64.75},
    ]
    write("people.json", json.dumps(people, indent=2) + "\n")

    kinds = ["click", "view", "click", "buy", "view", "click"]
    events = [
        {"id": i + 1, "kind": kind, "value": round(0.5 + i * 1.25, 2)}
        for i, kind in enumerate(kinds)
    ]
    write("events.ndjson", "".join(json.dumps(e) + "\n" for e in events))


def truncated_parquet() -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        print("skipped truncated.parquet: needs pyarrow (pip install pyarrow)")
        return
    import io

    n = 1000
    table = pa.table(
        {
            "id": pa.array(range(n), type=pa.int64()),
            "value": pa.array([i * 0.5 for i in range(n)], type=pa.float64()),
            "label": pa.array([f"row-{i % 37}" for i in range(n)], type=pa.string()),
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="snappy")
    data = buf.getvalue()
    # First 60%: the footer (metadata + trailing PAR1 magic) is gone.
    write("truncated.parquet", data[: len(data) * 6 // 10])


def hostile() -> None:
    """What the bad-input drills found: files that were read wrong, or not at all."""
    # Old Mac line endings: a lone carriage return ends each line.
    write("cr_only.csv", lines("a,b", "1,2", "3,4", "5,6", end="\r"))
    table = lines("name,score", "ann,1", "bob,2")
    write("utf16le_bom.csv", b"\xff\xfe" + table.encode("utf-16-le"))
    write("utf16be.csv", table.encode("utf-16-be"))  # no byte order mark
    write("utf32le_bom.csv", b"\xff\xfe\x00\x00" + table.encode("utf-32-le"))
    # 500 levels of nesting in 3 KB: a recursive parser overflows its stack.
    write("deep.json", "[" * 500 + "]" * 500)
    # A JSON array cut short inside an object: polars says only `InternalError(TapeError)`.
    write("cut_short.json", '[{"a": 1, "b": "x"}, {"a": 2, "b": ')
    # A key that holds an object on one line and a number on another.
    write(
        "object_or_number.ndjson",
        lines('{"id": 1, "meta": {"k": 1}}', '{"id": 2, "meta": {"k": 2}}', '{"id": 3, "meta": 7}'),
    )


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    malformed()
    valid()
    hostile()
    truncated_parquet()
