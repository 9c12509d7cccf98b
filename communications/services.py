"""Sending notices by email, returned mail, reading in the inbox (SPEC section 15, terms §20, §25).

Sending errs on the side of delivering: each notice is emailed inside its own transaction, with
its row locked, and its deliveries and `sent_at` are committed after the emails left. A run killed
between the SMTP hand-off and the commit emails that one notice's recipients again on the next run
(at least once); a notice is never left unsent because a run died. Two concurrent runs do not
both send a notice: the second skips the locked row (PostgreSQL), or waits for it (SQLite).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Cardmember, Notice, ProgrammeAdministrator
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from communications.models import AdministratorContact, NoticeDelivery, NoticeRead
from communications.selectors import Recipient, notice_recipients
from events.models import EventType
from events.payloads import notice_data
from events.services import event_record as outbox_record
from events.services import events_record_many

logger = logging.getLogger(__name__)

NOT_EMAILED = "This notice was not emailed to {email}."
NEVER_EMAILED = "This notice has not been emailed yet, so it cannot have been returned."
WHICH_RECIPIENT = "This notice was emailed to several recipients: say which address returned it."
ALREADY_RETURNED = "This notice was already recorded as returned from {email}."


def _portal_url(notice: Notice) -> str:
    return urljoin(settings.PORTAL_BASE_URL, reverse("portal:notice_detail", args=[notice.pk]))


def notice_email(notice: Notice, recipient: Recipient, *, connection=None) -> EmailMultiAlternatives:
    """The email of a notice to one recipient, written around the notice in the recipient's language."""
    context = {"notice": notice, "recipient": recipient, "portal_url": _portal_url(notice),
               # SPEC section 15: the page where the reader can act on it.
               "action_url": urljoin(settings.PORTAL_BASE_URL, notice.link) if notice.link else ""}
    with translation.override(recipient.language):
        text = render_to_string("communications/notice_email.txt", context)
        html = render_to_string("communications/notice_email.html", context)
    message = EmailMultiAlternatives(subject=notice.subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                                     to=[recipient.email], connection=connection)
    message.attach_alternative(html, "text/html")
    return message


def _corrected_since_returned(recipient: Recipient) -> bool:
    """An invalid contact whose address has changed since the email came back has been corrected,
    whichever service changed it."""
    if recipient.cardmember is not None:
        returned = (NoticeDelivery.objects.filter(cardmember=recipient.cardmember, returned_at__isnull=False)
                    .order_by("-returned_at").values_list("email", flat=True).first())
    else:
        status = getattr(recipient.administrator, "contact_status", None)
        returned = status.invalid_email if status else None
    return returned is not None and returned.lower() != recipient.email.lower()


def notice_send(*, notice_id: int, connection=None) -> int:
    """Email one unsent notice to each recipient who has not had it yet; returns emails sent.

    A recipient whose contact was returned is skipped (the notice stays in their inbox). `sent_at`
    is set once every reachable recipient has it; a notice nobody could be sent stays unsent and
    goes out when the contact is corrected.
    """
    with transaction.atomic():
        # Locked for the whole sending, so a concurrent run cannot email the same notice.
        notice = (
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("cardmember", "company").filter(pk=notice_id, sent_at__isnull=True).first()
        )
        if notice is None:
            return 0
        delivered = {
            ("cardmember", cardmember_id) if cardmember_id else ("administrator", administrator_id)
            for cardmember_id, administrator_id in notice.deliveries.values_list("cardmember_id", "administrator_id")
        }
        sent = 0
        failed = False
        for recipient in notice_recipients(notice):
            if recipient.key in delivered:
                continue
            if not recipient.valid:
                if not _corrected_since_returned(recipient):
                    continue
                contact_corrected(cardmember=recipient.cardmember, administrator=recipient.administrator)
            try:
                notice_email(notice, recipient, connection=connection).send()
            except (smtplib.SMTPException, OSError):
                # The others still get it; this recipient is tried again on the next run.
                logger.exception("notice %s: email to recipient %s failed", notice.pk, recipient.key)
                failed = True
                continue
            NoticeDelivery.objects.create(notice=notice, cardmember=recipient.cardmember,
                                          administrator=recipient.administrator, email=recipient.email,
                                          language=recipient.language, sent_at=clock.now())
            delivered.add(recipient.key)
            sent += 1
        if delivered and not failed:
            notice.sent_at = clock.now()
            notice.save(update_fields=["sent_at"])
        return sent


def notice_send_after_commit(notice: Notice) -> None:
    """Email a notice as soon as its transaction commits (a block, a lost card: the holder should not
    wait for the nightly run). The daily step still sends whatever this missed."""
    from communications.tasks import notice_send_task

    notice_id = notice.pk
    # SPEC section 16: notice.created, in the notice's transaction (every new notice is handed over here).
    company_id = notice.company_id or notice.cardmember.company_id
    outbox_record(company_id=company_id, type=EventType.NOTICE_CREATED, data=notice_data(notice))
    # robust: a failed hand-off is logged, never undoes the committed change; the daily step retries.
    transaction.on_commit(lambda: notice_send_task.delay(notice_id), robust=True)


def notices_bulk_create(notices: list[Notice]) -> int:
    """Write many new notices at once (a published change of terms or fees, SPEC section 15) with their
    `notice.created` events in the same transaction (SPEC section 16): one read of the keys already
    written, one INSERT for the notices, one read of those it wrote, one INSERT for the events. A
    notice whose source key exists is skipped (a re-run), with no event. The daily step emails them.
    Returns how many notices were given."""
    keys = {notice.source_key for notice in notices}
    existing = set(Notice.objects.filter(source_key__in=keys).values_list("source_key", flat=True))
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    written = Notice.objects.filter(source_key__in=keys - existing).select_related("cardmember").order_by("pk")
    events_record_many(events=[(notice.company_id or notice.cardmember.company_id, EventType.NOTICE_CREATED,
                                notice_data(notice)) for notice in written])
    return len(notices)


def notices_send(*, on: dt.date) -> int:
    """Email every notice created on or before `on` that has not been sent (the daily step)."""
    notice_ids = list(Notice.objects.filter(sent_at__isnull=True, created_on__lte=on)
                      .order_by("created_on", "pk").values_list("pk", flat=True))
    if not notice_ids:
        return 0
    connection = get_connection()  # one SMTP session for the whole run
    try:
        connection.open()
    except (smtplib.SMTPException, OSError):
        # A mail server that is down must not stop the day's cycle: the notices wait for the next run.
        logger.exception("notices: the mail server cannot be reached; %d notice(s) wait", len(notice_ids))
        return 0
    try:
        return sum(notice_send(notice_id=notice_id, connection=connection) for notice_id in notice_ids)
    finally:
        connection.close()


@transaction.atomic
def notice_mark_returned(*, notice: Notice, email: str | None = None, by: str) -> NoticeDelivery:
    """Record that the email of a notice came back (SPEC 15): the recipient's contact becomes
    invalid and no further notices are emailed to them until it is corrected."""
    deliveries = list(NoticeDelivery.objects.select_for_update(of=("self",)).filter(notice=notice)
                      .select_related("cardmember", "administrator__user"))
    if not deliveries:
        raise ApplicationError(NEVER_EMAILED, "notice_not_emailed")
    if email:
        deliveries = [delivery for delivery in deliveries if delivery.email.lower() == email.strip().lower()]
        if not deliveries:
            raise ApplicationError(NOT_EMAILED.format(email=email), "notice_not_emailed_to", {"field": "email"})
    elif len(deliveries) > 1:
        raise ApplicationError(WHICH_RECIPIENT, "notice_recipient_ambiguous", {"field": "email"})
    delivery = deliveries[0]
    if delivery.returned_at is not None:
        raise ApplicationError(ALREADY_RETURNED.format(email=delivery.email), "notice_already_returned")
    delivery.returned_at = clock.now()
    delivery.returned_by = by[:150]
    delivery.save(update_fields=["returned_at", "returned_by"])
    # An address already changed since this email went out was corrected meanwhile: nothing to invalidate.
    if delivery.cardmember is not None:
        if delivery.cardmember.email.lower() == delivery.email.lower():
            Cardmember.objects.filter(pk=delivery.cardmember_id).update(contact_valid=False)
    elif delivery.administrator.user.email.lower() == delivery.email.lower():
        AdministratorContact.objects.update_or_create(
            administrator=delivery.administrator,
            defaults={"contact_valid": False, "invalid_email": delivery.email},
        )
    return delivery


@transaction.atomic
def contact_corrected(*, cardmember: Cardmember | None = None, administrator: ProgrammeAdministrator | None = None,
                      email: str | None = None) -> None:
    """The holder's (or PA's) contact data was corrected: set the new address if given and let
    notices be emailed again (SPEC 15). Services that change an email address call this."""
    if cardmember is not None:
        if email is not None:
            cardmember.email = email
        cardmember.contact_valid = True
        cardmember.save(update_fields=["email", "contact_valid"] if email is not None else ["contact_valid"])
    if administrator is not None:
        if email is not None:
            administrator.user.email = email
            administrator.user.save(update_fields=["email"])
        AdministratorContact.objects.filter(administrator=administrator).update(contact_valid=True,
                                                                                invalid_email="")


def notice_mark_read(*, notice: Notice, user) -> Notice:
    """Opening a notice in the inbox marks it read for this person only: a company notice stays
    unread for the company's other PAs. Later openings keep the first time, per person and on the
    notice itself (`Notice.read_at`: first opening by anyone)."""
    now = clock.now()
    NoticeRead.objects.get_or_create(notice=notice, user=user, defaults={"read_at": now})
    if notice.read_at is None:
        notice.read_at = now
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now)
    return notice
