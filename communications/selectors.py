"""Who receives a notice and who may read it (SPEC sections 1 and 15)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery

from accounts.authentication import ApiClient
from accounts.models import Account, BillingType, Cardmember, Liability, Notice, ProgrammeAdministrator
from accounts.notices import notice_goes_to_company
from accounts.selectors import visible_companies
from communications.models import NoticeRead


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    name: str
    valid: bool
    cardmember: Cardmember | None = None
    administrator: ProgrammeAdministrator | None = None

    @property
    def key(self) -> tuple[str, int]:
        if self.cardmember is not None:
            return ("cardmember", self.cardmember.pk)
        assert self.administrator is not None
        return ("administrator", self.administrator.pk)


def _account(cardmember: Cardmember) -> Account | None:
    try:
        return cardmember.account
    except Account.DoesNotExist:
        return None


def notice_recipients(notice: Notice) -> list[Recipient]:
    """SPEC 15: a notice about a corporate-liability, centrally billed account goes to the company's
    PAs, any other cardmember notice to the cardmember, a company notice to the company's PAs.
    Recipients without an email address are left out; `valid` is False for a returned contact."""
    cardmember = notice.cardmember
    if cardmember is not None and not notice_goes_to_company(_account(cardmember)):
        if not cardmember.email:
            return []
        return [Recipient(email=cardmember.email, language=cardmember.language, name=cardmember.full_name,
                          valid=cardmember.contact_valid, cardmember=cardmember)]
    company_id = notice.company_id or (cardmember.company_id if cardmember else None)
    administrators = (
        ProgrammeAdministrator.objects.filter(companies=company_id)
        .select_related("user", "contact_status").order_by("pk")
    )
    recipients = []
    for administrator in administrators:
        user = administrator.user
        if not user.email or not user.is_active:
            continue
        status = getattr(administrator, "contact_status", None)
        recipients.append(Recipient(
            email=user.email, language=administrator.language, name=user.get_full_name() or user.get_username(),
            valid=status is None or status.contact_valid, administrator=administrator,
        ))
    return recipients


def _administered_company_ids(user) -> QuerySet:
    return ProgrammeAdministrator.objects.filter(user=user).values("companies")


def _to_company_cardmembers(company_ids: QuerySet) -> Q:
    return Q(cardmember__company_id__in=company_ids, cardmember__account__liability=Liability.CORPORATE,
             cardmember__account__billing_type=BillingType.CENTRAL)


def inbox_notices(user) -> QuerySet[Notice]:
    """A signed-in person's own inbox: a cardmember's notices, and for a PA the notices addressed to
    their companies (including those about corporate-liability, centrally billed accounts)."""
    if not getattr(user, "is_authenticated", False) or isinstance(user, ApiClient):
        return Notice.objects.none()
    company_ids = _administered_company_ids(user)
    scope = Q(cardmember__user=user) | Q(company_id__in=company_ids) | _to_company_cardmembers(company_ids)
    return Notice.objects.filter(scope)


def _reads_by(user) -> QuerySet[NoticeRead]:
    return NoticeRead.objects.filter(notice=OuterRef("pk"), user=user)


def with_read_at(notices: QuerySet[Notice], user) -> QuerySet[Notice]:
    """Annotate `reader_read_at`: when this person first opened each notice (None: unread for them).
    Each PA reads a company notice for themselves; an API token (no person) sees the first opening by
    anyone, `Notice.read_at`. One subquery in the same query, whatever the number of notices."""
    if isinstance(user, ApiClient) or not getattr(user, "is_authenticated", False):
        return notices.annotate(reader_read_at=F("read_at"))
    return notices.annotate(reader_read_at=Subquery(_reads_by(user).values("read_at")[:1]))


def inbox_unread(notices: QuerySet[Notice], user) -> QuerySet[Notice]:
    """The notices this person has not opened yet."""
    return notices.filter(~Exists(_reads_by(user)))


def inbox_ordered(notices: QuerySet[Notice], order: str) -> QuerySet[Notice]:
    """`unread` puts unread notices first, newest first within each; anything else is newest first.
    `notices` is annotated by with_read_at."""
    if order == "unread":
        unread = ExpressionWrapper(Q(reader_read_at__isnull=True), output_field=BooleanField())
        return notices.order_by(unread.desc(), "-created_on", "-id")
    return notices.order_by("-created_on", "-id")


def inbox_unread_count(user) -> int:
    return inbox_unread(inbox_notices(user), user).count()


def visible_notices(user) -> QuerySet[Notice]:
    """API and PA views: a company's notices and its cardmembers' (ops: all; a cardmember: own)."""
    companies = visible_companies(user).values("pk")
    scope = Q(company_id__in=companies) | Q(cardmember__company_id__in=companies)
    if not isinstance(user, ApiClient) and getattr(user, "is_authenticated", False):
        scope |= Q(cardmember__user=user)
    return Notice.objects.filter(scope)
