"""The PostgreSQL path's file reader applies exactly the structural rules of the ORM path's reader."""

import io
import re

import pytest

from amexprog.common.csvfiles import ErrorCollector, read_rows
from charges import validation as v
from charges.bulk import _StageSource

HEADER = ",".join(v.COLUMNS)
GOOD = "T{n},371449635398431,2026-03-09,2026-03-11,purchase,10.00,DKK,Netto, København ,DK,5411,false,"

CASES = {
    "plain": [HEADER, GOOD.format(n=1), GOOD.format(n=2)],
    "blank lines and CRLF": [HEADER + "\r", "", GOOD.format(n=1) + "\r", ",", GOOD.format(n=2)],
    "wrong field counts": [HEADER, "a,b,c", GOOD.format(n=1) + ",extra", GOOD.format(n=2)],
    "too long": [HEADER, GOOD.format(n=1).replace("Netto", "N" * 1001), GOOD.format(n=2)],
    "quoted newline": [HEADER, GOOD.format(n=1).replace("Netto", '"Net\nto"'), GOOD.format(n=2)],
    "nul": [HEADER, GOOD.format(n=1).replace("Netto", "Ne\x00tto"), GOOD.format(n=2)],
    "bad header": ["transaction_id,card", GOOD.format(n=1)],
    "header only": [HEADER],
    "empty": [],
    "malformed quote": [HEADER, GOOD.format(n=1).replace("Netto", 'Ne"t"to'), 'x,"unterminated'],
    "bad card numbers": [HEADER, GOOD.format(n=1).replace("371449635398431", ""),
                         GOOD.format(n=2).replace("371449635398431", "4111111111111111")],
    # Characters COPY's text format escapes (issue 17: the reader writes that format itself).
    "tab, backslash, CR and newline": [HEADER, GOOD.format(n=1).replace("Netto", '"Ne\tt\\to \\N\r\nx"'),
                                       GOOD.format(n=2).replace("T2", "T2\\.").replace("København", "\\.")],
}
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def copy_text_rows(data: str) -> list[list[str]]:
    """Rows as PostgreSQL's COPY (FORMAT text) reads them: tab-separated, backslash escapes."""
    return [[re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], field) for field in line.split("\t")]
            for line in data.split("\n") if line]


def through_read_rows(data: bytes):
    errors = ErrorCollector()
    rows = []
    for row, fields in v.without_nul_rows(read_rows(io.BytesIO(data), v.COLUMNS, errors), errors):
        state, hashed, last4 = v.card_number_state(fields["card_number"])
        rows.append([str(row), fields["transaction_id"], str(state), hashed, last4,
                     *[fields[c] for c in v.COLUMNS[2:]]])
    return rows, errors.errors, errors.total


def through_stage_source(data: bytes):
    errors = ErrorCollector()
    source = _StageSource(io.BytesIO(data), errors, None)
    out = b""
    while chunk := source.read(64):
        out += chunk
    return copy_text_rows(out.decode()), errors.errors, errors.total


@pytest.mark.parametrize("lines", CASES.values(), ids=CASES.keys())
def test_same_rows_and_errors_as_the_orm_reader(lines):
    data = "\n".join(lines).encode()
    assert through_stage_source(data) == through_read_rows(data)


def test_not_utf8_is_reported_the_same():
    data = (HEADER + "\n" + GOOD.format(n=1) + "\n").encode() + b"\xff\xfe broken\n"
    assert through_stage_source(data) == through_read_rows(data)


def test_staged_rows_carry_no_card_number():
    rows, _errors, _total = through_stage_source("\n".join(CASES["plain"]).encode())
    assert rows[0][2:5] == [str(v.CARD_OK), v.card_number_state("371449635398431")[1], "8431"]
    assert "371449635398431" not in str(rows)
