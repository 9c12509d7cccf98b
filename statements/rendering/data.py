"""The one builder of statement documents (SPEC sections 9, 16).

JSON, HTML, CSV and PDF all render from the dataclasses built here, so the four can never
disagree on a figure. Amounts stay Decimal; each format turns them into text its own way.
A statement is written in its holder's language (the cardmember's), whoever reads it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation

from accounts.models import company_language
from amexprog.common.money import LANGUAGE_LOCALES
from ledger.models import Posting, PostingKind
from statements.models import CompanyStatement, Statement
from statements.rendering.explain import explain_posting
from statements.rendering.payment import PaymentInfo, company_statement_payment, statement_payments
from statements.rendering.selectors import statement_lines

ZERO = Decimal("0.00")
# Lines from the card network: their description names the merchant. Every other line was written
# by the product (in English), so documents show its translated kind and explanation instead.
CHARGE_KINDS = frozenset({PostingKind.PURCHASE, PostingKind.REFUND, PostingKind.CASH})
KIND_ORDER = {kind: position for position, kind in enumerate(PostingKind.values)}


def supported_language(language: str | None) -> str:
    code = (language or "en").split("-")[0].lower()
    return code if code in LANGUAGE_LOCALES else "en"


def kind_label(kind: str, language: str) -> str:
    with translation.override(language):
        try:
            return str(PostingKind(kind).label)
        except ValueError:
            return kind


@dataclass(frozen=True)
class KindTotal:
    kind: str
    label: str
    amount: Decimal


@dataclass(frozen=True)
class StatementLine:
    posting_id: int
    posting_date: dt.date
    transaction_date: dt.date | None
    kind: str
    kind_label: str
    description: str
    merchant_city: str
    merchant_country: str
    card: str  # masked ("•••• 1234") or ""
    amount: Decimal
    currency: str
    original_amount: Decimal | None
    original_currency: str | None
    usd_amount: Decimal | None
    fx_rate_to_usd: Decimal | None
    fx_rate: Decimal | None
    fx_rate_date: dt.date | None
    source_key: str
    explanation: str | None

    @property
    def headline(self) -> str:
        if self.kind in CHARGE_KINDS:
            return self.description or self.kind_label
        return self.kind_label

    @property
    def note(self) -> str | None:
        """The explanation under a fee, interest or adjustment line (a charge shows its FX column)."""
        return None if self.kind in CHARGE_KINDS else self.explanation


def statement_line(posting: Posting, language: str) -> StatementLine:
    original = posting.original_amount
    return StatementLine(
        posting_id=posting.pk,
        posting_date=posting.posting_date,
        transaction_date=posting.transaction_date,
        kind=posting.kind,
        kind_label=kind_label(posting.kind, language),
        description=posting.description,
        merchant_city=posting.merchant_city,
        merchant_country=posting.merchant_country,
        card=posting.card.masked_number if posting.card_id else "",
        amount=posting.amount.amount,
        currency=str(posting.amount.currency),
        original_amount=original.amount if original is not None else None,
        original_currency=str(original.currency) if original is not None else None,
        usd_amount=posting.usd_amount,
        fx_rate_to_usd=posting.fx_rate_to_usd,
        fx_rate=posting.fx_rate,
        fx_rate_date=posting.fx_rate_date,
        source_key=posting.source_key,
        explanation=explain_posting(posting, language),
    )


def _totals(totals: dict[str, str], language: str) -> tuple[KindTotal, ...]:
    rows = [KindTotal(kind, kind_label(kind, language), Decimal(amount)) for kind, amount in totals.items()]
    return tuple(sorted(rows, key=lambda row: (KIND_ORDER.get(row.kind, len(KIND_ORDER)), row.kind)))


@dataclass(frozen=True)
class StatementData:
    statement_id: int
    language: str
    account_number: str
    company_number: str
    company_name: str
    holder_name: str
    employee_id: str
    address_lines: tuple[str, ...]
    statement_date: dt.date
    period_start: dt.date
    period_end: dt.date
    due_date: dt.date
    currency: str
    opening_balance: Decimal
    closing_balance: Decimal
    billed_amount: Decimal
    payments_amount: Decimal
    eurobonus_points: int
    centrally_billed: bool
    totals: tuple[KindTotal, ...]
    lines: tuple[StatementLine, ...]
    final: bool = False  # terms §32: the account's final statement (SPEC section 11)
    # How to pay and how far it is paid (SPEC sections 9, 15; issue 19 item 4); None without issuer details.
    payment: PaymentInfo | None = None

    @property
    def amount_due(self) -> Decimal:
        """The full closing balance (a charge card, SPEC section 9); a credit balance owes nothing."""
        return max(self.closing_balance, ZERO)

    @property
    def credit_balance(self) -> Decimal:
        return max(-self.closing_balance, ZERO)

    @property
    def filename(self) -> str:
        return f"statement-{self.account_number}-{self.statement_date.isoformat()}.pdf"


def statement_documents(statements: Sequence[Statement], *, language: str | None = None) -> list[StatementData]:
    """Documents for many statements with one query for all their lines.

    `language` overrides the holder's language (e.g. a PA's copy in English); by default each
    statement is in its cardmember's language.
    """
    lines = statement_lines(statements)
    languages = {statement.pk: supported_language(language or statement.account.cardmember.language)
                 for statement in statements}
    payments = statement_payments(statements, languages=languages)
    return [_statement_data(statement, lines[statement.pk], language, payments[statement.pk])
            for statement in statements]


def statement_document(statement: Statement, *, language: str | None = None) -> StatementData:
    return statement_documents([statement], language=language)[0]


def _statement_data(statement: Statement, postings: list[Posting], language: str | None,
                    payment: PaymentInfo | None) -> StatementData:
    account = statement.account
    cardmember = account.cardmember
    company = account.company
    language = supported_language(language or cardmember.language)
    address = (cardmember.address_line, f"{cardmember.postal_code} {cardmember.city}".strip(), cardmember.country)
    return StatementData(
        statement_id=statement.pk,
        language=language,
        account_number=account.number,
        company_number=company.number,
        company_name=company.legal_name,
        holder_name=cardmember.full_name,
        employee_id=cardmember.employee_id,
        address_lines=tuple(line for line in address if line),
        statement_date=statement.statement_date,
        period_start=statement.period_start,
        period_end=statement.period_end,
        due_date=statement.due_date,
        currency=statement.currency,
        opening_balance=statement.opening_balance,
        closing_balance=statement.closing_balance,
        billed_amount=statement.billed_amount,
        payments_amount=statement.payments_amount,
        eurobonus_points=statement.eurobonus_points,
        centrally_billed=statement.company_statement_id is not None,
        totals=_totals(statement.totals, language),
        lines=tuple(statement_line(posting, language) for posting in postings),
        final=statement.final,
        payment=payment,
    )


@dataclass(frozen=True)
class CompanyAccountRow:
    statement_id: int
    account_number: str
    holder_name: str
    employee_id: str
    cost_centre: str
    currency: str
    opening_balance: Decimal
    billed_amount: Decimal
    payments_amount: Decimal
    closing_balance: Decimal
    eurobonus_points: int


@dataclass(frozen=True)
class CompanyStatementData:
    company_statement_id: int
    language: str
    company_number: str
    company_name: str
    address_lines: tuple[str, ...]
    statement_date: dt.date
    due_date: dt.date
    currency: str
    opening_balance: Decimal
    closing_balance: Decimal
    billed_amount: Decimal
    payments_amount: Decimal
    account_count: int
    totals: tuple[KindTotal, ...]
    accounts: tuple[CompanyAccountRow, ...]
    payment: PaymentInfo | None = None

    @property
    def amount_due(self) -> Decimal:
        return max(self.closing_balance, ZERO)

    @property
    def credit_balance(self) -> Decimal:
        return max(-self.closing_balance, ZERO)

    @property
    def filename(self) -> str:
        return f"company-statement-{self.company_number}-{self.statement_date.isoformat()}.pdf"


def company_statement_document(company_statement: CompanyStatement, *,
                               language: str | None = None) -> CompanyStatementData:
    """Central billing (SPEC section 9): the company's sum plus a per-account breakdown."""
    company = company_statement.company
    language = supported_language(language or company_language(company.market))
    statements = list(
        company_statement.statements.select_related("account__cardmember").order_by("account__number")
    )
    address = (company.address_line, f"{company.postal_code} {company.city}".strip(), company.country)
    return CompanyStatementData(
        company_statement_id=company_statement.pk,
        language=language,
        company_number=company.number,
        company_name=company.legal_name,
        address_lines=tuple(line for line in address if line),
        statement_date=company_statement.statement_date,
        due_date=company_statement.due_date,
        currency=company_statement.currency,
        opening_balance=company_statement.opening_balance,
        closing_balance=company_statement.closing_balance,
        billed_amount=company_statement.billed_amount,
        payments_amount=company_statement.payments_amount,
        account_count=company_statement.account_count,
        totals=_totals(company_statement.totals, language),
        accounts=tuple(
            CompanyAccountRow(
                statement_id=statement.pk,
                account_number=statement.account.number,
                holder_name=statement.account.cardmember.full_name,
                employee_id=statement.account.cardmember.employee_id,
                cost_centre=statement.account.cardmember.cost_centre,
                currency=statement.currency,
                opening_balance=statement.opening_balance,
                billed_amount=statement.billed_amount,
                payments_amount=statement.payments_amount,
                closing_balance=statement.closing_balance,
                eurobonus_points=statement.eurobonus_points,
            )
            for statement in statements
        ),
        payment=company_statement_payment(company_statement, statements, language=language),
    )
