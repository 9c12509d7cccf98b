"""Pseudonymisation after the retention period (SPEC section 15, terms §18).

Once every account of a cardmember has been closed for longer than the bookkeeping retention period
(settings.PERSONAL_DATA_RETENTION_YEARS, 5 years by default), their personal data is replaced by a
stable pseudonym: names, email, phone, address, employee id, EuroBonus number, and the linked portal
user (deactivated, username replaced). Where free text names the person (who opened a case, case
notes, refund explanations, evidence notes, the holder's notices), the name becomes the pseudonym;
uploaded evidence files are deleted, keeping only their type and size. Nothing of the ledger
changes: postings, statements and their totals keep every amount, so the books still balance and
still reconcile.

The change is audited like any other (the cardmember's and user's update events, and a
`Pseudonymisation` row). The older audit events of the same rows would still hold the personal data,
so their personal columns get the same pseudonyms; on PostgreSQL that needs the append-only guard of
those event tables lifted for this one statement (pgtrigger.ignore).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q

from accounts.models import Account, AuditEntry, Cardmember, Notice
from audit.models import (
    CardmemberEvent,
    DisputeEvent,
    EnrolmentEvent,
    Pseudonymisation,
    RefundRequestEvent,
    UserEvent,
)
from disputes.models import CaseEvent, Dispute, Evidence, RefundRequest
from rewards.models import Enrolment, PointsPosting
from rewards.models import EnrolmentEvent as EnrolmentHistory

PSEUDONYM_EMAIL_DOMAIN = "pseudonymised.invalid"  # RFC 2606: can never receive mail
PSEUDONYMISED_FIRST_NAME = "Pseudonymised"


def pseudonym_for(cardmember: Cardmember) -> str:
    """The same pseudonym for the same cardmember every time (keyed, so it reveals nothing)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"cardmember:{cardmember.pk}".encode(), hashlib.sha256)
    return f"pseudo-{digest.hexdigest()[:12]}"


def eurobonus_pseudonym_for(cardmember: Cardmember) -> str:
    """A well-formed EuroBonus number (12 upper-case letters and digits) no member can have."""
    return ("PS" + pseudonym_for(cardmember).removeprefix("pseudo-")[:10]).upper()


def retention_cutoff(on: dt.date, years: int | None = None) -> dt.date:
    """The last closing day whose retention period has run out by `on`."""
    years = settings.PERSONAL_DATA_RETENTION_YEARS if years is None else years
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def cardmembers_due(*, on: dt.date):
    """Cardmembers not yet pseudonymised with at least one account, every account closed on or before
    the cutoff."""
    cutoff = retention_cutoff(on)
    return (
        Cardmember.objects.filter(pseudonymisation__isnull=True)
        .annotate(
            accounts_total=Count("account", distinct=True),
            accounts_closed=Count("account", filter=Q(account__status=Account.Status.CLOSED,
                                                      account__closed_on__isnull=False), distinct=True),
            last_closed=Max("account__closed_on"),
        )
        .filter(accounts_total__gt=0, accounts_closed=F("accounts_total"), last_closed__lte=cutoff)
        .order_by("pk")
    )


def _replace_in(text: str, originals: list[str], pseudonym: str) -> str:
    """Each of `originals` (longest first) as a whole word, in any case: a user name "bob" is replaced in
    "bob wrote" and "Bob (bob)", never inside "bobsleigh"."""
    for original in originals:
        if original:
            text = re.sub(rf"(?<!\w){re.escape(original)}(?!\w)", pseudonym, text, flags=re.IGNORECASE)
    return text


class _TextRewrite:
    """Replaces the person's names by the pseudonym in free-text fields: labels of who acted, and what the
    holder, a PA or ops wrote (a case note, a refund explanation, a block reason in a notice). Text that
    names them in another form cannot be found; files are erased instead (_erase_evidence_files)."""

    def __init__(self, originals: list[str], pseudonym: str) -> None:
        self.originals, self.pseudonym = originals, pseudonym

    def __call__(self, queryset, *fields: str) -> int:
        model = queryset.model
        limits = {name: model._meta.get_field(name).max_length for name in fields}
        changed = 0
        for row in queryset.values("pk", *fields):
            values = {}
            for name in fields:
                text = _replace_in(row[name] or "", self.originals, self.pseudonym)
                if text != (row[name] or ""):
                    values[name] = text[:limits[name]] if limits[name] else text
            if values:
                model.objects.filter(pk=row["pk"]).update(**values)
                changed += 1
        return changed


def _erase_evidence_files(evidence) -> int:
    """Uploaded evidence (receipts, letters, police reports) is the person's data through and through and
    cannot be pseudonymised: the files are deleted once the transaction commits, and the rows keep only
    the type and size. The names the uploads had are cleared, as they often name the person."""
    stored = list(evidence.exclude(file="").values_list("file", flat=True))
    evidence.exclude(file="", original_name="").update(file="", original_name="")
    if stored:
        storage = Evidence._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in stored])
    return len(stored)


@transaction.atomic
def cardmember_pseudonymise(*, cardmember: Cardmember, on: dt.date) -> Pseudonymisation:
    """Replace `cardmember`'s personal data by pseudonyms (SPEC section 15). Idempotent: a cardmember
    pseudonymised before is returned as it is."""
    cardmember = Cardmember.objects.select_for_update(of=("self",)).select_related("user").get(pk=cardmember.pk)
    done = Pseudonymisation.objects.filter(cardmember=cardmember).first()
    if done is not None:
        return done
    pseudonym = pseudonym_for(cardmember)
    eurobonus = eurobonus_pseudonym_for(cardmember)
    email = f"{pseudonym}@{PSEUDONYM_EMAIL_DOMAIN}"
    user = cardmember.user
    # What names the person in free-text labels (who opened a dispute, who acted): replaced as well.
    full_names = [cardmember.full_name, f"{cardmember.last_name}, {cardmember.first_name}"]
    originals = [*full_names, cardmember.first_name, cardmember.last_name]
    if user is not None:
        originals += [user.get_full_name(), user.get_username()]
    originals = sorted({name for name in originals if name.strip()}, key=len, reverse=True)

    profile = {
        "first_name": PSEUDONYMISED_FIRST_NAME, "last_name": pseudonym, "email": email, "phone": "",
        "address_line": "", "postal_code": "", "city": "", "employee_id": pseudonym,
        # No notice can reach a pseudonym (SPEC section 15: contact no longer valid).
        "contact_valid": False,
        "eurobonus_number": eurobonus if cardmember.eurobonus_number else "",
    }
    Cardmember.objects.filter(pk=cardmember.pk).update(**profile)
    account_ids = list(Account.objects.filter(cardmember=cardmember).values_list("pk", flat=True))
    Enrolment.objects.filter(account_id__in=account_ids).update(member_number=eurobonus)
    PointsPosting.objects.filter(account_id__in=account_ids).update(member_number=eurobonus)
    EnrolmentHistory.objects.filter(enrolment__account_id__in=account_ids).update(member_number=eurobonus)
    rewrite = _TextRewrite(originals, pseudonym)
    rewrite(Dispute.objects.filter(account_id__in=account_ids), "opened_by")
    rewrite(RefundRequest.objects.filter(account_id__in=account_ids), "submitted_by", "explanation",
            "decision_reason")
    case_events = CaseEvent.objects.filter(Q(dispute__account_id__in=account_ids)
                                           | Q(refund_request__account_id__in=account_ids)
                                           | Q(incident__account_id__in=account_ids))
    if user is not None:
        case_events = case_events | CaseEvent.objects.filter(by_user=user)
    rewrite(case_events, "by", "note")
    evidence = Evidence.objects.filter(Q(dispute__account_id__in=account_ids)
                                       | Q(refund_request__account_id__in=account_ids))
    rewrite(evidence, "added_by", "note")
    _erase_evidence_files(evidence)
    # The holder's own notices (the inbox and the emails sent): a block reason or a case note may name them.
    rewrite(Notice.objects.filter(cardmember=cardmember), "subject", "body")
    # The company's notices (centrally billed accounts' go to the PAs) concern all its cardmembers: there only
    # the full name is theirs alone, a first name may be a colleague's.
    company_rewrite = _TextRewrite([name for name in full_names if name.strip()], pseudonym)
    company_rewrite(Notice.objects.filter(company_id=cardmember.company_id), "subject", "body")
    if apps.is_installed("communications"):
        NoticeDelivery = apps.get_model("communications", "NoticeDelivery")
        NoticeDelivery.objects.filter(cardmember=cardmember).update(email=email)
    if user is not None:
        AuditEntry.objects.filter(user=user).update(actor=f"user:{pseudonym}")
        user.username = pseudonym
        user.first_name = user.last_name = ""
        user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["username", "first_name", "last_name", "email", "is_active", "password"])
    _scrub_audit_history(cardmember=cardmember, user=user, profile=profile, eurobonus=eurobonus,
                         account_ids=account_ids, rewrite=rewrite)
    last_closed = Account.objects.filter(pk__in=account_ids).aggregate(last=Max("closed_on"))["last"]
    return Pseudonymisation.objects.create(cardmember=cardmember, pseudonym=pseudonym, on=on,
                                           last_account_closed_on=last_closed)


def _scrub_audit_history(*, cardmember, user, profile, eurobonus, account_ids, rewrite: _TextRewrite) -> None:
    """The audit trail's earlier copies of the same personal data get the same pseudonyms."""
    if connection.vendor != "postgresql":  # no triggers, so no history to scrub (README)
        return
    with pgtrigger.ignore("audit.CardmemberEvent:append_only", "audit.UserEvent:append_only",
                          "audit.EnrolmentEvent:append_only", "audit.DisputeEvent:append_only",
                          "audit.RefundRequestEvent:append_only"):
        CardmemberEvent.objects.filter(pgh_obj_id=cardmember.pk).update(**profile)
        EnrolmentEvent.objects.filter(account_id__in=account_ids).update(member_number=eurobonus)
        rewrite(DisputeEvent.objects.filter(account_id__in=account_ids), "opened_by")
        rewrite(RefundRequestEvent.objects.filter(account_id__in=account_ids), "submitted_by", "explanation",
                "decision_reason")
        if user is not None:
            UserEvent.objects.filter(pgh_obj_id=user.pk).update(username=user.username, first_name="",
                                                                 last_name="", email="")
    if user is not None:
        # The client address of the person's own requests is personal data too.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE pghistory_context SET metadata = metadata - 'ip' "
                "WHERE metadata ->> 'user' = %s AND metadata ? 'ip'",
                [str(user.pk)],
            )


def cardmembers_pseudonymise_due(*, on: dt.date) -> int:
    """The daily step: every cardmember whose retention period has run out by `on`."""
    due = list(cardmembers_due(on=on).values_list("pk", flat=True))
    for pk in due:
        cardmember_pseudonymise(cardmember=Cardmember(pk=pk), on=on)
    return len(due)
