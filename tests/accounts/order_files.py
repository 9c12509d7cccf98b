"""Builders for company and Central Order Card CSV files, shared by the import, API and portal tests."""

from __future__ import annotations

import csv
import io
import re

from accounts.imports import CARD_COLUMNS, COMPANY_COLUMNS
from accounts.pan import is_valid_pan

# Any 15-digit run: the shape of a full card number (SPEC section 3: never on a page, log or report).
FULL_PAN_RE = re.compile(r"(?<!\d)\d{15}(?!\d)")

COMPANY_ROW = {
    "company_number": "20001", "name": "Nordlys A/S", "vat_number": "DK12345678", "market": "DK",
    "billing": "central", "liability": "corporate", "credit_limit": "500000.00", "annual_fee": "650.00",
    "cash_allowed": "true", "eurobonus_allowed": "true", "payment_terms_days": "30",
    "address_line": "Vesterbrogade 1", "postal_code": "1620", "city": "København V", "country": "DK",
    "iban": "DK5000400440116243", "bic": "DABADKKK",
}

CARD_ROW = {
    "company_number": "10001", "employee_id": "E1", "cost_centre": "CC-10", "first_name": "Ida",
    "last_name": "Berg", "email": "ida@example.com", "phone": "+4511223344", "language": "da",
    "address_line": "Nørregade 7", "postal_code": "1165", "city": "København K", "country": "DK",
    "liability": "", "billing": "", "cycle_day": "5", "monthly_limit": "10000.00", "cash_enabled": "false",
    "eurobonus_number": "",
}


def csv_bytes(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def company_file(*rows: dict[str, str]) -> bytes:
    return csv_bytes(COMPANY_COLUMNS, [{**COMPANY_ROW, **row} for row in rows])


def card_file(*rows: dict[str, str]) -> bytes:
    return csv_bytes(CARD_COLUMNS, [{**CARD_ROW, **row} for row in rows])


def card_rows(count: int, company_number: str = "10001", **overrides: str) -> list[dict[str, str]]:
    return [
        {"company_number": company_number, "employee_id": f"E{index:03d}", "first_name": f"Person{index}",
         "email": f"person{index}@example.com", **overrides}
        for index in range(1, count + 1)
    ]


def full_pans_in(text: str) -> list[str]:
    return FULL_PAN_RE.findall(text)


def looks_like_our_pan(number: str) -> bool:
    return is_valid_pan(number)
