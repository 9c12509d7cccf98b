"""Publishing a fee schedule (SPEC section 7, terms §25): a change takes effect at least two months
after it is published, and publishing it notifies every affected holder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Account, Notice, ProgrammeAdministrator
from accounts.services import add_months
from amexprog.common.errors import ApplicationError
from amexprog.common.money import date_locale
from communications.services import notices_bulk_create
from fees.models import STATUTORY_LATE_INTEREST_MARGIN, FeeSchedule

NOTICE_MONTHS = 2
TOO_SOON = "A fee schedule change takes effect at least 2 months after publication: {earliest} at the earliest."
ALREADY_EXISTS = "Market {market} already has a fee schedule effective from {effective_from}."
MARGIN_ABOVE_CEILING = _(
    "The late interest margin may not exceed %(ceiling)s percentage points over the reference rate: "
    "the statutory late-payment rate is the ceiling (terms §9i, Renteloven §5)."
)
FIELDS = ("annual_fee_max", "reminder_fee", "fx_fee_percent", "cash_fee_percent", "cash_fee_minimum",
          "eurobonus_fee", "late_interest_margin_percent")


def earliest_effective_date(published_on: dt.date) -> dt.date:
    return add_months(published_on, NOTICE_MONTHS)


def margin_within_ceiling(margin: Decimal) -> bool:
    """SPEC section 8, terms §9i: the margin over the reference rate is between 0 and the statutory
    late-payment margin (reference rate + 8 points, Renteloven §5); the database enforces the same."""
    return Decimal(0) <= Decimal(margin) <= STATUTORY_LATE_INTEREST_MARGIN


def margin_ceiling_message():
    return MARGIN_ABOVE_CEILING % {"ceiling": STATUTORY_LATE_INTEREST_MARGIN.normalize()}


@transaction.atomic
def fee_schedule_publish(*, market: str, effective_from: dt.date, published_on: dt.date, label: str = "",
                         published_by: str = "ops", **values: Decimal) -> FeeSchedule:
    """Create a new version and a notice to every affected holder; refuse an effective date too soon.
    The change is recorded as a RuleChange, so holders can reject it until it applies (terms §25b)."""
    from communications.rule_changes import rule_change_publish  # communications builds on accounts, as fees does

    earliest = earliest_effective_date(published_on)
    if effective_from < earliest:
        raise ApplicationError(TOO_SOON.format(earliest=earliest), "fee_change_too_soon",
                               {"field": "effective_from", "earliest": earliest.isoformat()})
    margin = values.get("late_interest_margin_percent")
    if margin is not None and not margin_within_ceiling(margin):
        raise ApplicationError(str(margin_ceiling_message()), "interest_margin_above_ceiling",
                               {"field": "late_interest_margin_percent",
                                "ceiling": str(STATUTORY_LATE_INTEREST_MARGIN)})
    if FeeSchedule.objects.filter(market=market, effective_from=effective_from).exists():
        raise ApplicationError(ALREADY_EXISTS.format(market=market, effective_from=effective_from),
                               "fee_schedule_exists")
    schedule = FeeSchedule.objects.create(market=market, currency={"DK": "DKK", "BE": "EUR"}[market],
                                          effective_from=effective_from, published_on=published_on, label=label,
                                          **values)
    rule_change_publish(kind="fee_schedule", rule=schedule, published_on=published_on, published_by=published_by,
                        notify=False)
    _notify(schedule)
    return schedule


# Marked for translation here, written in each recipient's language when the notices are made.
NOTICE_SUBJECT = _("Fee schedule change from %(date)s")
NOTICE_INTRO = _("The fees of your Corporate Card change. From %(date)s these fees apply (terms §25):")
NOTICE_OUTRO = _("The fee schedule in force is always in the portal under Terms and fees.")


def _notice_text(schedule: FeeSchedule, language: str) -> tuple[str, str]:
    """The notice in `language`, with every amount in that language's locale (SPEC section 2), and the
    holder's right to reject the change until it applies (terms §25b)."""
    from communications.rule_changes import REJECT_RIGHT
    from documents.rendering import fee_lines  # documents reads fees.models; imported here, not at start-up

    with translation.override(language):
        date = format_date(schedule.effective_from, format="long", locale=date_locale(language))
        lines = "\n".join(f"{line.label}: {line.value}" for line in fee_lines(schedule, language))
        last_day = format_date(schedule.effective_from - dt.timedelta(days=1), format="long",
                               locale=date_locale(language))
        subject = str(NOTICE_SUBJECT) % {"date": date}
        reject = str(REJECT_RIGHT) % {"last_day": last_day, "date": date}
        body = f"{str(NOTICE_INTRO) % {'date': date}}\n\n{lines}\n\n{reject}\n\n{NOTICE_OUTRO}"
    return subject[:200], body


def _notify(schedule: FeeSchedule) -> int:
    """A notice per holder, or per company for its centrally billed corporate accounts (SPEC section 15),
    naming the cardmember and card with the link where the account can reject the change (terms §25b)."""
    from communications.rule_changes import cards_paragraph, live_last4, notice_groups

    texts: dict[str, tuple[str, str]] = {}

    def text(language: str) -> tuple[str, str]:
        if language not in texts:
            texts[language] = _notice_text(schedule, language)
        return texts[language]

    accounts = list(Account.objects.filter(company__market=schedule.market).exclude(status=Account.Status.CLOSED)
                    .select_related("company", "cardmember").order_by("cardmember_id"))
    last4 = live_last4(accounts)
    to_holders, by_company = notice_groups(accounts)
    notices = []
    for account in to_holders:
        language = account.cardmember.language
        subject, body = text(language)
        notices.append(Notice(kind=Notice.Kind.FEE_CHANGE, cardmember_id=account.cardmember_id, subject=subject,
                              body=f"{body}\n\n{cards_paragraph([account], language, last4)}",
                              created_on=schedule.published_on,
                              source_key=f"fee-change/{schedule.pk}/cardmember/{account.cardmember_id}",
                              # SPEC 15: where the holder can act (reject the change until it applies).
                              link=reverse("portal:account_changes", args=[account.number])))
    # A company's notice is written in its first PA's language (as accounts.notices does).
    company_language: dict[int, str] = {}
    for company_id, language in (ProgrammeAdministrator.objects.filter(companies__in=list(by_company))
                                 .order_by("pk").values_list("companies", "language")):
        company_language.setdefault(company_id, language)
    for company_id, company_accounts in by_company.items():
        language = company_language.get(company_id, "en")
        subject, body = text(language)
        notices.append(Notice(kind=Notice.Kind.FEE_CHANGE, company_id=company_id, subject=subject,
                              body=f"{body}\n\n{cards_paragraph(company_accounts, language, last4)}",
                              created_on=schedule.published_on,
                              source_key=f"fee-change/{schedule.pk}/company/{company_id}",
                              link=reverse("portal:account_changes", args=[company_accounts[0].number])))
    # With their notice.created events, in the publication's transaction (SPEC section 16).
    return notices_bulk_create(notices)
