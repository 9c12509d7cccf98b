"""Bulk files that onboard companies and order cards (SPEC sections 11 and 16).

Both follow the shared CSV rules of `amexprog.common.csvfiles`: the whole file is checked first and
any bad row rejects it with a row-by-row report (row, column, reason) and nothing written; a good
file is then written in one transaction through the same services the API and the portal use
(`company_create`, `card_order`), so a bulk row obeys exactly the rules of a single one.

Full card numbers exist only in memory between `card_order` and the embossing report; they are
never part of a summary, a log line or an error report. The report is encrypted to the embosser's age
key under production settings (accounts.embosser_key, issue 15 item 6).

`rows` holds what both files share (the row reader, its messages and checks), `companies` the company
onboarding file and `cards` the Central Order Card file.
"""

from accounts.imports.cards import CardsImportSummary, OrderedCard, cards_import
from accounts.imports.companies import CompaniesImportSummary, companies_import
from accounts.imports.rows import (
    AMOUNT_TOO_LARGE,
    BAD_COMPANY_NUMBER,
    BAD_COUNTRY,
    BAD_EMAIL,
    BAD_PAYMENT_TERMS,
    BAD_VAT_NUMBER,
    CARD_COLUMNS,
    COMPANY_ALREADY_EXISTS,
    COMPANY_COLUMNS,
    COMPANY_NUMBER_RE,
    COMPANY_NUMBER_REPEATED,
    CYCLE_DAYS,
    EMPLOYEE_REPEATED,
    LANGUAGE_NOT_OF_MARKET,
    NOT_A_CHOICE,
    NOT_YOUR_COMPANY,
    REPORT_EXISTS,
    REQUIRED,
    ROW_REFUSED,
    TOO_LONG,
    UNKNOWN_COMPANY,
    VAT_PATTERNS,
    Progress,
    country_code_known,
)

__all__ = [
    "CardsImportSummary", "CompaniesImportSummary", "OrderedCard", "cards_import", "companies_import",
    "COMPANY_COLUMNS",
    "CARD_COLUMNS",
    "REQUIRED",
    "TOO_LONG",
    "NOT_A_CHOICE",
    "AMOUNT_TOO_LARGE",
    "BAD_COMPANY_NUMBER",
    "COMPANY_NUMBER_REPEATED",
    "COMPANY_ALREADY_EXISTS",
    "BAD_VAT_NUMBER",
    "BAD_COUNTRY",
    "BAD_PAYMENT_TERMS",
    "UNKNOWN_COMPANY",
    "NOT_YOUR_COMPANY",
    "EMPLOYEE_REPEATED",
    "BAD_EMAIL",
    "LANGUAGE_NOT_OF_MARKET",
    "ROW_REFUSED",
    "REPORT_EXISTS",
    "VAT_PATTERNS",
    "COMPANY_NUMBER_RE",
    "CYCLE_DAYS",
    "Progress",
    "country_code_known",
]
