"""Malformed CSV files fed to every importer (issue 9, item 6).

Each importer — the six management commands, the API charge-file, payment-file and card-order
uploads, and the portal's card-order upload — gets files in the wrong encoding (latin-1, UTF-16,
an .xlsx's zip bytes), with extra or missing columns, a 1 MB cell, an amount with three decimals,
2026-02-30, a spreadsheet formula where a number or date belongs, an empty file, a header without
rows, a BOM in front of a bad file, NUL bytes, an unterminated quote, and random bytes (hypothesis).
Every one is refused with a report of row, column and reason — no traceback — and nothing is
created. A file that differs only by a BOM, or carries a formula in a free-text column, is a valid
file: it loads, and the text is kept as text (CSV exports neutralise formulas when they write).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.imports import CARD_COLUMNS, COMPANY_COLUMNS
from accounts.models import Account, Card, Cardmember, Company
from charges.models import ChargeFile, FxRate
from charges.payment_models import Payment, PaymentFile
from charges.validation import COLUMNS as CHARGE_COLUMNS
from fees.models import ReferenceRate
from ledger.models import JournalEntry, Posting
from tests.accounts.order_files import CARD_ROW, COMPANY_ROW
from tests.api.errors import row_errors
from tests.charges.conftest import charge_row
from tests.conftest import token_client

pytestmark = pytest.mark.django_db
PAYMENT_COLUMNS = ["payment_id", "account_number", "company_number", "received_date", "type", "amount", "currency",
                   "method", "original_payment_id", "cost"]
FORMULA = "=cmd|' /C calc'!A0"
ROW_LINE = re.compile(r"^row \d+, [a-zA-Z_ ]+: \S.*$")
MODELS = (Company, Cardmember, Account, Card, Posting, JournalEntry, ChargeFile, PaymentFile, Payment, FxRate,
          ReferenceRate)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@dataclass
class Target:
    """One importer, with a valid one-row file and the columns each corruption aims at."""

    name: str
    columns: list[str]
    row: Callable[[dict], dict[str, str]]  # fixtures → the valid row
    submit: Callable[[dict, bytes], list[dict]]  # fixtures, content → the reported errors (or raises)
    text_column: str = ""
    amount_column: str = ""
    date_column: str = ""
    bad_amount: str = "10.005"
    skip: set[str] = field(default_factory=set)
    needs: tuple[str, ...] = ()  # fixtures made before counting (they create rows of their own)


def render(columns: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[row[column] for column in columns] for row in rows])
    return out.getvalue()


# ── How each importer is called, and what counts as a clear refusal ───────────────────────────────

def _command(name: str, *extra: str) -> Callable[[dict, bytes], list[dict]]:
    def submit(env: dict, content: bytes) -> list[dict]:
        path = env["tmp_path"] / f"{name}-input.csv"
        path.write_bytes(content)
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(name, str(path), *extra, stdout=out, stderr=err, verbosity=0)
        except CommandError as exc:  # what `manage.py` turns into a message and exit status 1
            message = str(exc)
            assert message and "Traceback" not in message
            lines = [line for line in err.getvalue().splitlines() if line.strip()]
            assert "Traceback" not in err.getvalue()
            reported = [line for line in lines if ROW_LINE.match(line)]
            assert reported, f"{name}: no row/column/reason lines on stderr: {err.getvalue()[:500]!r} / {message}"
            return [{"line": line} for line in reported]
        raise AssertionError(f"{name} accepted the file: {out.getvalue()[:300]}")
    return submit


def _api(url: str, token: str) -> Callable[[dict, bytes], list[dict]]:
    def submit(env: dict, content: bytes) -> list[dict]:
        client = token_client(getattr(env["tokens"], token))
        response = client.post(url, {"file": SimpleUploadedFile("input.csv", content, content_type="text/csv")},
                               format="multipart")
        assert response.status_code == 400, (response.status_code, response.content[:500])
        body = response.json()
        if body["code"] == "invalid":  # the upload itself refused (e.g. an empty file): the field says why
            assert body["fields"]["file"]
            return [{"row": 1, "column": "file", "reason": str(body["fields"]["file"])}]
        assert body["code"] == "file_rejected", body
        errors = row_errors(body)
        assert errors and all({"row", "column", "reason"} <= set(error) and error["reason"] for error in errors)
        return errors
    return submit


def _portal_orders(env: dict, content: bytes) -> list[dict]:
    client = env["alice_client"]
    url = reverse("portal:order_upload", args=["10001"])
    response = client.post(url, {"file": SimpleUploadedFile("cards.csv", content, content_type="text/csv")})
    page = response.content.decode()
    assert "Traceback" not in page
    if response.status_code == 200:  # refused by the form (an empty upload): the error is on the form
        if "form" not in response.context:
            raise AssertionError(f"the portal accepted the file ({response.status_code})")
        errors = response.context["form"].errors.get("file")
        assert errors, "the upload page shows no error"
        return [{"row": 1, "column": "file", "reason": str(errors)}]
    assert response.status_code == 400
    rejected = response.context["rejected"]
    assert rejected.errors
    for error in rejected.errors[:5]:
        assert error.reason in page or str(error.row) in page
    return [{"row": error.row, "column": error.column, "reason": error.reason} for error in rejected.errors]


def _card_row(env: dict) -> dict[str, str]:
    return dict(CARD_ROW)


def _company_row(env: dict) -> dict[str, str]:
    return dict(COMPANY_ROW)


def _charge_row(env: dict) -> dict[str, str]:
    return charge_row("FUZZ1", env["bob_card"].pan, "10.00", "DKK")


def _payment_row(env: dict) -> dict[str, str]:
    return {"payment_id": "FUZZP1", "account_number": env["bob_account"].number, "company_number": "",
            "received_date": "2026-03-11", "type": "payment", "amount": "10.00", "currency": "DKK",
            "method": "giro", "original_payment_id": "", "cost": ""}


TARGETS = [
    Target("import_companies", COMPANY_COLUMNS, _company_row, _command("import_companies"),
           text_column="name", amount_column="credit_limit", skip={"impossible_date"}),
    Target("import_cards", CARD_COLUMNS, _card_row, _command("import_cards", "--date", "2026-03-11"),
           text_column="last_name", amount_column="monthly_limit", skip={"impossible_date"}),
    Target("import_charges", CHARGE_COLUMNS, _charge_row, _command("import_charges"),
           text_column="merchant_name", amount_column="amount", date_column="transaction_date"),
    Target("import_payments", PAYMENT_COLUMNS, _payment_row, _command("import_payments"),
           text_column="method", amount_column="amount", date_column="received_date"),
    Target("load_fx_rates", ["Date", "USD", "DKK"], lambda env: {"Date": "2026-03-10", "USD": "1.0850",
                                                                 "DKK": "7.4610"},
           _command("load_fx_rates"), amount_column="USD", date_column="Date", bad_amount="-1.0850"),
    Target("load_reference_rates", ["effective_date", "rate_percent"],
           lambda env: {"effective_date": "2026-03-01", "rate_percent": "1.6000"}, _command("load_reference_rates"),
           amount_column="rate_percent", date_column="effective_date", bad_amount="1.60005"),
    Target("api_charge_files", CHARGE_COLUMNS, _charge_row, _api("/api/v1/charge-files/", "ops"), needs=("tokens",),
           text_column="merchant_name", amount_column="amount", date_column="processing_date"),
    Target("api_payment_files", PAYMENT_COLUMNS, _payment_row, _api("/api/v1/payment-files/", "ops"), needs=("tokens",),
           text_column="method", amount_column="amount", date_column="received_date"),
    Target("api_card_orders", CARD_COLUMNS, _card_row, _api("/api/v1/cards/order-files/", "a"), needs=("tokens",),
           text_column="first_name", amount_column="monthly_limit", skip={"impossible_date"}),
    Target("portal_card_orders", CARD_COLUMNS, _card_row, _portal_orders, needs=("alice_client",),
           text_column="city", amount_column="monthly_limit", skip={"impossible_date"}),
]
BY_NAME = {target.name: target for target in TARGETS}


def corrupt(kind: str, target: Target, row: dict[str, str]) -> bytes:
    columns = target.columns
    text_column = target.text_column or target.date_column
    row = dict(row)
    if kind == "latin1":
        row[text_column] = "Café Nørrebro Æblegård"
        return render(columns, [row]).encode("latin-1")
    if kind == "utf16":
        return render(columns, [row]).encode("utf-16")
    if kind == "xlsx_bytes":
        return b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 8
    if kind == "extra_column":
        return (render(columns, [row]).rstrip("\n") + ",surplus\n").encode()
    if kind == "missing_column":
        return (render(columns, [row]).rstrip("\n").rsplit(",", 1)[0] + "\n").encode()
    if kind == "extra_header_column":
        lines = render(columns, [row]).splitlines()
        return "\n".join([lines[0] + ",extra", lines[1] + ",x"]).encode() + b"\n"
    if kind == "huge_cell":
        row[text_column] = "x" * 1_000_000
        return render(columns, [row]).encode()
    if kind == "three_decimals":
        row[target.amount_column] = target.bad_amount
        return render(columns, [row]).encode()
    if kind == "impossible_date":
        row[target.date_column] = "2026-02-30"
        return render(columns, [row]).encode()
    if kind == "formula_in_typed_column":
        row[target.amount_column or target.date_column] = FORMULA
        return render(columns, [row]).encode()
    if kind == "empty":
        return b""
    if kind == "header_only":
        return (",".join(columns) + "\n").encode()
    if kind == "bom_header_only":
        return codecs.BOM_UTF8 + (",".join(columns) + "\n").encode()
    if kind == "bom_missing_column":
        return codecs.BOM_UTF8 + corrupt("missing_column", target, row)
    if kind == "nul_bytes":
        row[text_column] = "Caf\x00e"
        return render(columns, [row]).encode()
    if kind == "unterminated_quote":
        return (render(columns, [row]).rstrip("\n") + ',"unterminated\n').encode()
    raise ValueError(kind)


KINDS = ["latin1", "utf16", "xlsx_bytes", "extra_column", "missing_column", "extra_header_column", "huge_cell",
         "three_decimals", "impossible_date", "formula_in_typed_column", "empty", "header_only", "bom_header_only",
         "bom_missing_column", "nul_bytes", "unterminated_quote"]


class Env(dict):
    """The fixtures a target needs, the costly ones (tokens, a logged-in PA) made only when asked for."""

    def __init__(self, request, **values):
        super().__init__(**values)
        self.request = request

    def __missing__(self, name: str):
        self[name] = self.request.getfixturevalue(name)
        return self[name]


@pytest.fixture
def env(request, tmp_path, bob_card, bob_account, company_a):
    return Env(request, tmp_path=tmp_path, bob_card=bob_card, bob_account=bob_account)


def assert_refused(target: Target, env: dict, content: bytes) -> list[dict]:
    for name in target.needs:
        env[name]
    before = counts()
    errors = target.submit(env, content)
    assert errors
    text = json.dumps(errors, default=str)
    assert "Traceback" not in text and env["bob_card"].pan not in text
    assert counts() == before, f"{target.name} created something from a refused file"
    return errors


@pytest.mark.parametrize(("name", "kind"), [(target.name, kind) for target in TARGETS for kind in KINDS
                                            if kind not in target.skip])  # skip: no date column to break
def test_every_importer_refuses_every_malformed_file_cleanly(env, name, kind):
    target = BY_NAME[name]
    assert_refused(target, env, corrupt(kind, target, target.row(env)))


@pytest.mark.parametrize("name", list(BY_NAME))
def test_the_uncorrupted_file_loads_and_with_a_bom_too(env, name):
    """The control: without the corruption each file is accepted (so the refusals above are theirs)."""
    target = BY_NAME[name]
    for fixture in target.needs:
        env[fixture]
    before = counts()
    row = target.row(env)
    content = codecs.BOM_UTF8 + render(target.columns, [row]).encode()
    with pytest.raises(AssertionError, match="accepted|201|302|200"):
        target.submit(env, content)
    assert counts() != before


def test_a_formula_in_a_free_text_column_is_loaded_as_text(env):
    """A merchant name is what the network sends; it is stored verbatim, never evaluated."""
    row = _charge_row(env) | {"merchant_name": FORMULA, "merchant_city": "@SUM(A1:A9)"}
    path = env["tmp_path"] / "formula.csv"
    path.write_bytes(render(CHARGE_COLUMNS, [row]).encode())
    call_command("import_charges", str(path), stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    posting = Posting.objects.get(source_key="charge/FUZZ1")
    assert (posting.merchant_name, posting.merchant_city) == (FORMULA, "@SUM(A1:A9)")


MUTATIONS = st.lists(st.tuples(st.integers(min_value=0, max_value=10_000), st.binary(min_size=0, max_size=8)),
                     min_size=1, max_size=4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(BY_NAME)), junk=st.binary(max_size=600), mutations=MUTATIONS,
       mode=st.sampled_from(["junk", "mutated"]))
def test_random_bytes_and_random_damage_are_refused_cleanly(env, name, junk, mutations, mode):
    """Random files, and the valid file with random bytes spliced in where they break it."""
    target = BY_NAME[name]
    valid = render(target.columns, [target.row(env)]).encode()
    if mode == "junk":
        content = junk
    else:
        content = bytearray(valid)
        for position, piece in mutations:
            at = position % (len(content) + 1)
            content[at:at + len(piece)] = piece
        content = bytes(content)
    header_line = valid.split(b"\n", 1)[0]
    if content.startswith(header_line + b"\n") and b"\xff" not in content and b"\x00" not in content:
        # The damage may have left a valid file (a changed letter in a name): keep only files whose
        # header or encoding is broken, which no importer may accept.
        content = b"\xff" + content
    assert_refused(target, env, content)
