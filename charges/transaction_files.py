"""The company-wide transactions as files (SPEC 18, issue 19 item 3): exactly the rows a list shows
(every filtered row in its order, not only one page), as

- CSV in the reader's convention: UTF-8 with a byte-order mark, `;` and a decimal comma for Danish,
  Dutch and French readers, `,` and a decimal point for English ones (SPEC 18);
- an Excel-friendly CSV: UTF-16 with a byte-order mark and tabs between the cells, which Excel opens
  with a double click in any regional setting without mangling accents or splitting on the wrong
  character (the numbers keep the reader's decimal sign);
- JSON for programs: the same rows, each kind, status and industry with its key and its name.

Each is streamed: memory does not grow with the rows, and the query count stays fixed (rows are read
by one query in chunks). Cells a spreadsheet would run as a formula are neutralised (csvfiles.safe_cell);
cards appear by their last four digits only (SPEC 17). Dates are ISO 8601 (2026-12-06), which every
spreadsheet reads as a date whatever its regional setting.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.utils.translation import gettext as _

from amexprog.common.csvfiles import safe_cell, safe_csv_writer
from amexprog.common.money import round_money
from charges.mcc import industry_name, industry_of
from charges.transaction_models import CompanyTransaction, TransactionSource
from charges.transactions import kind_label, reason_label, status_label

# Languages whose spreadsheets use a decimal comma and `;` between cells (SPEC 18).
DECIMAL_COMMA_LANGUAGES = ("da", "nl", "fr")
CHUNK = 2000


def uses_decimal_comma(language: str | None) -> bool:
    return (language or "en").split("-")[0] in DECIMAL_COMMA_LANGUAGES


def money_cell(amount: Decimal | None, currency: str, *, decimal_comma: bool) -> str:
    """An amount as a spreadsheet reads it: the currency's decimals, no thousands separator."""
    if amount is None:
        return ""
    text = format(round_money(amount, currency) if currency else amount, "f")
    return text.replace(".", ",") if decimal_comma else text


def transaction_details(row: CompanyTransaction) -> str:
    """What the row says beyond merchant, kind and status: a decline's reason in the reader's words.
    A posting's stored description is not shown to people: it is English, with ISO dates ("Annual card
    fee 2026-08-03"), and repeats the merchant and kind (SPEC 18, issue 19 item 8); JSON carries it."""
    return reason_label(row.reason) if row.reason else ""


def card_label(row: CompanyTransaction) -> str:
    return f"•••• {row.card.last4}" if row.card_id and row.card else ""


def header() -> list[str]:
    return [_("Date"), _("Cardmember"), _("Employee id"), _("Account"), _("Card"), _("Cost centre"),
            _("Merchant"), _("City"), _("Country"), _("MCC"), _("Industry"), _("Kind"), _("Status"),
            _("Amount"), _("Currency"), _("Original amount"), _("Original currency"), _("Details")]


def cells(row: CompanyTransaction, *, decimal_comma: bool) -> list[str]:
    member = row.cardmember
    return [
        row.date.isoformat(), safe_cell(member.full_name), safe_cell(member.employee_id), row.account.number,
        card_label(row), safe_cell(member.cost_centre), safe_cell(row.merchant_name), safe_cell(row.merchant_city),
        row.merchant_country, row.mcc, industry_name(industry_of(row.mcc)) if row.mcc else "",
        kind_label(row.kind), status_label(row.status),
        money_cell(row.amount, row.currency, decimal_comma=decimal_comma), row.currency,
        money_cell(row.original_amount, row.original_currency or "", decimal_comma=decimal_comma),
        row.original_currency or "", safe_cell(transaction_details(row)),
    ]


def _lines(rows: Iterable[CompanyTransaction], *, delimiter: str, decimal_comma: bool) -> Iterator[str]:
    buffer = io.StringIO()
    writer = safe_csv_writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header())
    for row in rows:
        writer.writerow(cells(row, decimal_comma=decimal_comma))
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _iterate(rows) -> Iterable[CompanyTransaction]:
    return rows.iterator(chunk_size=CHUNK) if hasattr(rows, "iterator") else rows


def transactions_csv(rows, *, language: str | None) -> Iterator[bytes]:
    """CSV in the reader's convention (SPEC 18), UTF-8 with a byte-order mark."""
    comma = uses_decimal_comma(language)
    yield "\ufeff".encode()
    for chunk in _lines(_iterate(rows), delimiter=";" if comma else ",", decimal_comma=comma):
        yield chunk.encode("utf-8")


def transactions_excel_csv(rows, *, language: str | None) -> Iterator[bytes]:
    """Tab-separated UTF-16LE with a byte-order mark: what Excel opens right in every regional setting."""
    yield "\ufeff".encode("utf-16-le")
    for chunk in _lines(_iterate(rows), delimiter="\t", decimal_comma=uses_decimal_comma(language)):
        yield chunk.encode("utf-16-le")


def transaction_json(row: CompanyTransaction) -> dict:
    member = row.cardmember
    industry = industry_of(row.mcc) if row.mcc else ""
    return {
        "id": f"{row.source}_{row.source_id}", "source": row.source, "date": row.date.isoformat(),
        "cardmember": member.full_name, "employee_id": member.employee_id, "account_number": row.account.number,
        "card_last4": row.card.last4 if row.card_id and row.card else None, "cost_centre": member.cost_centre,
        "merchant_name": row.merchant_name, "merchant_city": row.merchant_city,
        "merchant_country": row.merchant_country, "mcc": row.mcc, "industry": industry,
        "industry_name": industry_name(industry) if industry else "",
        "kind": row.kind, "kind_name": kind_label(row.kind), "status": row.status,
        "status_name": status_label(row.status),
        "amount": money_cell(row.amount, row.currency, decimal_comma=False) or None, "currency": row.currency,
        "original_amount": money_cell(row.original_amount, row.original_currency or "", decimal_comma=False) or None,
        "original_currency": row.original_currency or None,
        "description": row.description if row.source == TransactionSource.POSTING else "",
        "decline_reason": row.reason or None, "decline_reason_name": reason_label(row.reason) or None,
    }


def transactions_json(rows, *, company_number: str) -> Iterator[bytes]:
    """{"company_number", "transactions": [...]} streamed row by row."""
    yield f'{{"company_number": {json.dumps(company_number)}, "transactions": ['.encode()
    first = True
    for row in _iterate(rows):
        yield (("" if first else ",\n") + json.dumps(transaction_json(row), ensure_ascii=False)).encode()
        first = False
    yield b"]}\n"
