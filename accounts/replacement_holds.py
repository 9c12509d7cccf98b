"""Replacements held for the holder's confirmation (SPEC section 17, issue 15 item 10).

A card reported lost or stolen is cancelled at once, but its replacement goes to the cardmember's
postal address: if that address was changed in the last ADDRESS_CHANGE_HOLD_DAYS days (a classic
account takeover: change the address, report the card lost, catch the new card), the replacement is
not issued until the holder confirms it in the portal (accounts.lifecycle.card_replacement_confirm).

A held replacement is no extra record: it is a reported card that no card replaces yet (card_report
otherwise issues the successor in the same transaction).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from accounts.models import AuditEntry, Card, Cardmember

ADDRESS_FIELDS = ("address_line", "postal_code", "city", "country")
ADDRESS_CHANGE_HOLD_DAYS = 30
REPORTED_STATUSES = (Card.Status.LOST, Card.Status.STOLEN, Card.Status.DAMAGED)


def address_changed_since(*, cardmember: Cardmember, since: dt.date) -> bool:
    """Whether the cardmember's postal address was changed on or after `since` (the audit trail of
    accounts.data_changes.cardmember_update)."""
    changes = AuditEntry.objects.filter(action=AuditEntry.Action.CARDMEMBER_UPDATED, on__gte=since,
                                        details__cardmember=cardmember.pk).values_list("details", flat=True)
    return any(set((details or {}).get("changes", {})) & set(ADDRESS_FIELDS) for details in changes)


def replacement_waits_for_holder(*, card: Card, on: dt.date) -> bool:
    """A replacement of `card` reported on `on` waits for the holder when their address changed in the
    ADDRESS_CHANGE_HOLD_DAYS days before."""
    return address_changed_since(cardmember=card.account.cardmember,
                                 since=on - dt.timedelta(days=ADDRESS_CHANGE_HOLD_DAYS))


def held_replacements(cardmember: Cardmember) -> QuerySet[Card]:
    """The cardmember's reported cards whose replacement waits for their confirmation."""
    return Card.objects.filter(account__cardmember=cardmember, status__in=REPORTED_STATUSES,
                               replaced_by__isnull=True).select_related("account")


def replacement_is_held(card: Card) -> bool:
    return card.status in REPORTED_STATUSES and not Card.objects.filter(replaces=card).exists()
