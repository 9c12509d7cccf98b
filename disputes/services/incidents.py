"""Unauthorized use of a card (SPEC section 12, terms §22c–d; issue 16 item 7).

An incident gathers the unauthorized disputes on one card: lost, stolen, never received, its code
seen by someone else (these three are blocked and replaced at once), or still with the holder
(card-not-present misuse, opened by the first unauthorized dispute). Resolving it:
- charges dated on or after the report day are credited in full (a charge file gives only the
  transaction date, and the issuer cannot show such a charge came before the report — the same
  rule the charge import uses to flag them for review);
- of the charges before the report, the holder bears at most the cap for all unauthorized use of
  the card (DKK 375 in DK: one `dispute_reversal` of min(cap less what earlier incidents on the card
  already cost, their credits)); once the issuer was told (any incident on the card), later
  charges cost nothing;
- only a recorded cause with its evidence lifts the cap: deliberate breach or gross negligence
  (the disputes before the report are lost), or fraud by the holder (every dispute is lost).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from accounts.models import Card
from accounts.roles import DECIDE_DISPUTE
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from disputes import notices
from disputes.audit import Actor, event_record
from disputes.models import CaseEvent, Dispute, DisputeReason, UnauthorizedUseIncident
from disputes.rules import rules_in_force
from disputes.services.common import require_ops, require_permission_if_ops
from disputes.services.disputes import dispute_resolve
from ledger.models import PostingKind
from ledger.services import posting_create

INCIDENT_ALREADY_OPEN = _("Card {card} already has an open unauthorized-use incident (#{incident}).")
INCIDENT_NOT_OPEN = _("Incident #{number} is already resolved.")
NOT_LOST_OR_STOLEN = _("Choose what happened to the card: lost, stolen, not received, code seen by someone else, or "
                       "misused while you have it.")
CAUSE_EVIDENCE_REQUIRED = _("Lifting the cap needs the evidence of the cause (terms §22d): describe what shows it.")

# Reports that block the card and replace it (terms §22c; issue 16 item 7); lost and stolen reports
# come from the card's own lifecycle (accounts.lifecycle.card_report), misuse leaves the card alone.
BLOCK_AND_REPLACE = (UnauthorizedUseIncident.Kind.NOT_RECEIVED, UnauthorizedUseIncident.Kind.CODE_DISCLOSED)
# Findings that lift the cap: each a cause the terms name, recorded with its evidence (terms §22d).
CAP_LIFTING = (UnauthorizedUseIncident.Finding.DELIBERATE_BREACH, UnauthorizedUseIncident.Finding.GROSS_NEGLIGENCE,
               UnauthorizedUseIncident.Finding.FRAUD)
UNKNOWN_FINDING = _("{finding!r} is not a finding.")
WRONG_CAP_CURRENCY = _("The rules in force cap the holder's share in {cap_currency}; the account is in {currency}.")
REPORT_DATE_OPS_ONLY = _("The report date is taken from the card's report or the dispute; only ops may set it.")
REPORT_DATE_REASON_REQUIRED = _("Give the reason for setting the report date yourself.")

# Who may set an incident's report date instead of the one the facts give (issue 15 item 11). The
# built-in "change" permission on incidents is the power to resolve them, which this date decides.
REPORT_DATE_PERMISSION = "disputes.change_unauthorizeduseincident"

RESOLVED_SUBJECT = _("Unauthorized use of card {card}: {credited} credited")
RESOLVED_BODY = _(
    "We have resolved the unauthorized use of card {card}, reported {kind} on {reported_on}. Charges after the "
    "report: {after} credited in full. Charges before the report: {before}. Your share: {share}, billed on your "
    "next statement. {finding}"
)


def _is_before_report(dispute: Dispute, reported_on: dt.date) -> bool:
    charge = dispute.charge
    return (charge.transaction_date or charge.posting_date) < reported_on


def may_set_report_date(by: Actor) -> bool:
    """Ops tokens, and ops users holding REPORT_DATE_PERMISSION (issue 15 item 11)."""
    if by.token is not None:
        return by.is_ops
    return bool(by.user is not None and by.user.is_staff and by.user.has_perm(REPORT_DATE_PERMISSION))


def incident_report_date(*, card: Card, on: dt.date) -> tuple[dt.date, str]:
    """The day the issuer was told of the unauthorized use, and what says so (SPEC section 12, terms
    §22c–d; issue 15 item 11): the earliest of the card's lost/stolen report, the opening day of an
    unauthorized dispute on the card not yet in an incident, and the incident's own report (`on`).
    It is a fact the system holds, never a date the reporter types."""
    facts = [(on, "incident reported")]
    if card.status in (Card.Status.LOST, Card.Status.STOLEN) and card.status_changed_on:
        facts.append((card.status_changed_on, f"card reported {card.status}"))
    first_dispute = (Dispute.objects.filter(charge__card=card, reason=DisputeReason.UNAUTHORIZED,
                                            incident__isnull=True, status__in=Dispute.ACTIVE)
                     .order_by("opened_on", "id").first())
    if first_dispute is not None:
        facts.append((first_dispute.opened_on, f"dispute #{first_dispute.pk} opened"))
    # Once told, always told: a card's earlier incident is a report too (terms §22c; issue 16 item 7).
    earlier = UnauthorizedUseIncident.objects.filter(card=card).order_by("reported_on", "id").first()
    if earlier is not None:
        facts.append((earlier.reported_on, f"incident #{earlier.pk} reported"))
    return min(facts, key=lambda fact: fact[0])


@transaction.atomic
def incident_open(*, card: Card, kind: str, by: Actor, on: dt.date, note: str = "",
                  reported_on: dt.date | None = None, reported_on_reason: str = "") -> UnauthorizedUseIncident:
    """Open the incident of a card's loss or theft and gather its open unauthorized disputes.

    The report date, which decides the charges credited in full, is `incident_report_date`; only ops
    (may_set_report_date) may set another, with a reason that goes on the record (issue 15 item 11)."""
    require_permission_if_ops(by, "disputes.add_unauthorizeduseincident")
    if kind not in UnauthorizedUseIncident.Kind.values:
        raise ApplicationError(str(NOT_LOST_OR_STOLEN), "invalid_kind", {"field": "kind"})
    reported_on_reason = (reported_on_reason or "").strip()
    if reported_on is not None:
        if not may_set_report_date(by):
            raise ApplicationError(str(REPORT_DATE_OPS_ONLY), "ops_only", {"field": "reported_on"}, status=403)
        if not reported_on_reason:
            raise ApplicationError(str(REPORT_DATE_REASON_REQUIRED), "required", {"field": "reported_on_reason"})
    card = Card.objects.select_for_update(of=("self",)).select_related("account").get(pk=card.pk)
    derived_on, basis = incident_report_date(card=card, on=on)
    if reported_on is None:
        reported_on, basis_note = derived_on, f"report date {derived_on.isoformat()}: {basis}"
    else:
        basis_note = (f"report date {reported_on.isoformat()} set by ops (the records give {derived_on.isoformat()}: "
                      f"{basis}). Reason: {reported_on_reason}")
    existing = UnauthorizedUseIncident.objects.filter(card=card, status=UnauthorizedUseIncident.Status.OPEN).first()
    if kind in BLOCK_AND_REPLACE:
        _block_and_replace(card=card, kind=kind, by=by, on=on)
    if existing is not None and existing.kind == UnauthorizedUseIncident.Kind.MISUSE and kind != existing.kind:
        # The holder now reports what happened to a card already misused: the same incident, same report date.
        existing.kind = kind
        existing.save(update_fields=["kind"])
        event_record(by=by, on=on, action=CaseEvent.Action.STATUS_CHANGED, incident=existing,
                     note=f"reported {kind}" + (f". {note}" if note else ""))
        return existing
    if existing is not None:
        raise ApplicationError(str(INCIDENT_ALREADY_OPEN).format(card=card.masked_number, incident=existing.pk),
                               "incident_already_open")
    incident = UnauthorizedUseIncident.objects.create(account=card.account, card=card, kind=kind,
                                                      reported_on=reported_on, opened_at=clock.now())
    event_record(by=by, on=on, action=CaseEvent.Action.OPENED, to_status=incident.status, incident=incident,
                 note=f"{kind}; {basis_note}" + (f". {note}" if note else ""))
    for dispute in Dispute.objects.filter(charge__card=card, reason=DisputeReason.UNAUTHORIZED, incident__isnull=True,
                                          status__in=Dispute.ACTIVE):
        dispute.incident = incident
        dispute.save(update_fields=["incident"])
        event_record(by=by, on=on, action=CaseEvent.Action.INCIDENT_LINKED, dispute=dispute, note=f"#{incident.pk}")
    return incident


def _block_and_replace(*, card: Card, kind: str, by: Actor, on: dt.date) -> None:
    """A card never received or whose code someone else saw is cancelled and replaced like a lost one
    (terms §22c; issue 16 item 7). The card's status says lost: it is out of the holder's control."""
    from accounts.audit import Actor as CardActor
    from accounts.audit import Role
    from accounts.lifecycle import LIVE_STATUSES, card_report

    if card.status not in LIVE_STATUSES:
        return  # already cancelled or reported: nothing left to block
    if by.is_ops:
        role = Role.ISSUER
    elif by.token is None and by.user is not None and card.account.cardmember.user_id == by.user.pk:
        role = Role.HOLDER
    else:
        role = Role.COMPANY
    card_report(card=card, by=CardActor(role=role, label=by.label, user_id=getattr(by.user, "pk", None)), on=on,
                status=Card.Status.LOST, reason=str(UnauthorizedUseIncident.Kind(kind).label))
    card.refresh_from_db()


def _already_borne(incident: UnauthorizedUseIncident) -> Decimal:
    """What earlier capped incidents on the same card already cost the holder: the cap covers all
    unauthorized use of a card (terms §22c–d; issue 16 item 7)."""
    shares = (UnauthorizedUseIncident.objects.filter(card=incident.card, status=UnauthorizedUseIncident.Status.RESOLVED,
                                                     finding=UnauthorizedUseIncident.Finding.CAPPED)
              .exclude(pk=incident.pk).values_list("holder_share", flat=True))
    return sum((share for share in shares if share is not None), Decimal("0.00"))


@transaction.atomic
def incident_resolve(*, incident: UnauthorizedUseIncident, finding: str, by: Actor, on: dt.date,
                     note: str = "", evidence: str = "") -> UnauthorizedUseIncident:
    """Resolve every open dispute of the incident and post the holder's share (terms §22c–d); a decision,
    so ops with decide_dispute only (SPEC section 17). A finding that lifts the cap needs `evidence` of
    its cause (issue 16 item 7)."""
    require_ops(by, DECIDE_DISPUTE)
    evidence = (evidence or "").strip()
    if finding in CAP_LIFTING and not evidence:
        raise ApplicationError(str(CAUSE_EVIDENCE_REQUIRED), "required", {"field": "evidence"})
    incident = UnauthorizedUseIncident.objects.select_for_update(of=("self",)).select_related(
        "account__company", "account__cardmember", "card").get(pk=incident.pk)
    if incident.status != UnauthorizedUseIncident.Status.OPEN:
        raise ApplicationError(str(INCIDENT_NOT_OPEN).format(number=incident.pk), "incident_resolved")
    if finding not in UnauthorizedUseIncident.Finding.values:
        raise ApplicationError(str(UNKNOWN_FINDING).format(finding=finding), "invalid_finding", {"field": "finding"})
    account = incident.account
    rules = rules_in_force(market=account.company.market, on=on)
    if rules.currency != account.currency:
        raise ApplicationError(str(WRONG_CAP_CURRENCY).format(cap_currency=rules.currency,
                                                              currency=account.currency), "wrong_currency")
    disputes = list(
        Dispute.objects.select_for_update(of=("self",))
        .select_related("account__company", "account__cardmember", "charge", "credit_posting")
        .filter(incident=incident, status__in=Dispute.ACTIVE).order_by("charge__transaction_date", "id")
    )
    before = [d for d in disputes if _is_before_report(d, incident.reported_on)]
    after = [d for d in disputes if not _is_before_report(d, incident.reported_on)]
    before_total = sum((d.credited.amount for d in before), Decimal("0.00"))
    after_total = sum((d.credited.amount for d in after), Decimal("0.00"))
    cap = rules.unauthorized_holder_cap
    Finding = UnauthorizedUseIncident.Finding
    lost = {Finding.CAPPED: [], Finding.GROSS_NEGLIGENCE: before, Finding.DELIBERATE_BREACH: before,
            Finding.FRAUD: disputes}[Finding(finding)]
    outcome_note = f"{Finding(finding).label} (incident #{incident.pk})"
    for dispute in disputes:
        status = Dispute.Status.LOST if dispute in lost else Dispute.Status.WON
        dispute_resolve(dispute=dispute, to_status=status, by=by, on=on, note=outcome_note)

    share = Decimal("0.00")
    if finding == Finding.CAPPED:
        borne = _already_borne(incident)
        share = min(max(cap - borne, Decimal("0.00")), before_total)
        if share > 0:
            posting, _created = posting_create(
                account=account, kind=PostingKind.DISPUTE_REVERSAL, amount=Money(share, account.currency),
                posting_date=on, source_key=f"incident/{incident.pk}/holder-share", card=incident.card,
                description=f"Your share of unauthorized use, card {incident.card.masked_number} "
                            f"(at most {cap} {account.currency}, terms §22)"[:255],
                explanation={"rule": "unauthorized_use_holder_share", "incident": incident.pk,
                             "reported_on": incident.reported_on.isoformat(), "cap": str(cap),
                             "before_report": str(before_total), "after_report": str(after_total),
                             "disputes_before": [d.pk for d in before], "disputes_after": [d.pk for d in after],
                             "already_borne_on_card": str(borne),
                             "formula": f"min({cap} - {borne}, {before_total})" if borne else
                                        f"min({cap}, {before_total})"},
            )
            incident.share_posting = posting
    elif finding in (Finding.GROSS_NEGLIGENCE, Finding.DELIBERATE_BREACH):
        share = before_total
    else:
        share = before_total + after_total

    incident.status = UnauthorizedUseIncident.Status.RESOLVED
    incident.finding = finding
    incident.cap = Money(cap, account.currency) if finding == Finding.CAPPED else None
    incident.holder_share = Money(share, account.currency)
    incident.cause_evidence = evidence if finding in CAP_LIFTING else ""
    incident.resolved_on = on
    incident.resolved_at = clock.now()
    incident.save()
    event_record(by=by, on=on, action=CaseEvent.Action.INCIDENT_RESOLVED, from_status="open", to_status="resolved",
                 incident=incident,
                 note=f"{Finding(finding).label}: before the report {before_total}, after {after_total}, "
                      f"holder's share {share} {account.currency}. {note}".strip()
                      + (f" Evidence: {evidence}" if finding in CAP_LIFTING else ""))
    credited_after = after_total if finding != Finding.FRAUD else Decimal("0.00")
    notices.holder_notify(
        account=account, on=on, source_key=f"incident/{incident.pk}/resolved", subject=RESOLVED_SUBJECT,
        body=RESOLVED_BODY, card=incident.card.masked_number, kind=incident.get_kind_display(),
        reported_on=incident.reported_on.isoformat(),
        credited=notices.money_text(before_total + after_total - share, account),
        after=notices.money_text(credited_after, account), before=notices.money_text(before_total, account),
        share=notices.money_text(share, account), finding=Finding(finding).label,
    )
    return incident
