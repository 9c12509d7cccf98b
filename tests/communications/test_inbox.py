"""The portal inbox (SPEC section 15): own notices only, unread first or newest first, a fixed
number of queries, opening marks read (for the person opening it: each PA reads a company notice
for themselves), the unread count in the top bar; others' notices are 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Notice
from amexprog.common import clock
from communications.models import NoticeRead
from communications.services import notice_mark_read
from portal.templatetags.portal_inbox import topbar_state
from tests.accounts.factories import AccountFactory, CardmemberFactory, ProgrammeAdministratorFactory, UserFactory
from tests.communications.conftest import DAY, make_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def dina(dina_account):
    user = UserFactory(username="dina")
    dina_account.cardmember.user = user
    dina_account.cardmember.save()
    return user


def test_cardmember_sees_own_notices_and_opening_marks_read(client, dina, dina_account, bob_account):
    mine = make_notice(key="i/1", cardmember=dina_account.cardmember, subject="Your card is blocked")
    make_notice(key="i/2", cardmember=bob_account.cardmember, subject="Bob's reminder")
    client.force_login(dina)

    page = client.get(reverse("portal:inbox")).content.decode()
    assert "Your card is blocked" in page
    assert "Bob&#x27;s reminder" not in page and "Bob's reminder" not in page
    assert 'class="badge"' in page  # the unread count in the top bar

    detail = client.get(reverse("portal:notice_detail", args=[mine.pk]))
    assert detail.status_code == 200
    mine.refresh_from_db()
    assert mine.read_at is not None
    first_read = mine.read_at
    client.get(reverse("portal:notice_detail", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.read_at == first_read


def test_pa_inbox_has_company_notices_and_corporate_central_cardmember_notices(client, alice, carol, bob_account,
                                                                               dina_account, b_account):
    make_notice(key="i/3", company=bob_account.company, subject="Fee change for Alpha")
    make_notice(key="i/4", cardmember=bob_account.cardmember, subject="Bob card blocked")  # to the PAs
    make_notice(key="i/5", cardmember=dina_account.cardmember, subject="Dina own notice")  # to Dina herself
    make_notice(key="i/6", company=b_account.company, subject="Fee change for Beta")
    client.force_login(alice)

    page = client.get(reverse("portal:inbox")).content.decode()

    assert "Fee change for Alpha" in page and "Bob card blocked" in page
    assert "Dina own notice" not in page and "Fee change for Beta" not in page


def test_outsiders_get_404_on_a_notice(client, alice, carol, bob_account, dina, dina_account):
    company_notice = make_notice(key="i/7", company=bob_account.company)
    dina_notice = make_notice(key="i/8", cardmember=dina_account.cardmember)
    client.force_login(carol)
    assert client.get(reverse("portal:notice_detail", args=[company_notice.pk])).status_code == 404
    assert client.get(reverse("portal:notice_detail", args=[dina_notice.pk])).status_code == 404
    client.force_login(dina)
    assert client.get(reverse("portal:notice_detail", args=[company_notice.pk])).status_code == 404
    company_notice.refresh_from_db()
    assert company_notice.read_at is None


def test_unread_first_order_and_filters(client, dina, dina_account):
    old_unread = make_notice(key="i/9", cardmember=dina_account.cardmember, subject="Old unread",
                             on=DAY - dt.timedelta(days=5))
    new_read = make_notice(key="i/10", cardmember=dina_account.cardmember, subject="New read",
                           kind=Notice.Kind.REMINDER)
    NoticeRead.objects.create(notice=new_read, user=dina, read_at=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    client.force_login(dina)

    newest = list(client.get(reverse("portal:inbox")).context["page"])
    unread_first = list(client.get(reverse("portal:inbox"), {"order": "unread"}).context["page"])
    reminders = list(client.get(reverse("portal:inbox"), {"kind": "reminder"}).context["page"])
    unread_only = list(client.get(reverse("portal:inbox"), {"unread": "1"}).context["page"])

    assert newest == [new_read, old_unread]
    assert unread_first == [old_unread, new_read]
    assert reminders == [new_read]
    assert unread_only == [old_unread]


@pytest.mark.parametrize("count", [3, 40])
def test_inbox_query_count_does_not_grow_with_notices(client, alice, company_a, count, django_assert_max_num_queries):
    for index in range(count):
        cardmember = CardmemberFactory(company=company_a)
        AccountFactory(cardmember=cardmember)  # company A: corporate liability, central billing
        make_notice(key=f"q/{index}", cardmember=cardmember, subject=f"Notice {index}")
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("portal:inbox"))
    assert len(response.context["page"]) == min(count, 25)


def test_top_bar_links_for_a_pa(client, alice):
    client.force_login(alice)
    page = client.get(reverse("portal:pa_home")).content.decode()
    assert reverse("portal:inbox") in page
    assert reverse("portal:terms") in page
    assert reverse("portal:help_index") in page


def test_the_top_bar_costs_one_query(alice, bob_account, django_assert_num_queries):
    make_notice(key="t/1", company=bob_account.company)
    make_notice(key="t/2", cardmember=bob_account.cardmember)
    read = make_notice(key="t/3", company=bob_account.company)
    NoticeRead.objects.create(notice=read, user=alice, read_at=dt.datetime(2026, 3, 3, tzinfo=dt.UTC))
    with django_assert_num_queries(1):
        state = topbar_state(alice)
    assert state == {"unread": 2, "is_pa": True, "terms_pending": False}


@pytest.fixture
def anna(company_a):
    """A second PA of company A: she gets the same company notices as alice."""
    return ProgrammeAdministratorFactory(user=UserFactory(username="anna"), companies=[company_a]).user


def test_one_pa_opening_a_company_notice_leaves_it_unread_for_the_other(client, alice, anna, bob_account):
    notice = make_notice(key="pa/1", company=bob_account.company, subject="Fee change for Alpha")
    client.force_login(alice)
    assert client.get(reverse("portal:notice_detail", args=[notice.pk])).status_code == 200

    alices = client.get(reverse("portal:inbox"), {"unread": "1"})
    assert list(alices.context["page"]) == []
    assert 'class="unread"' not in client.get(reverse("portal:inbox")).content.decode()
    assert topbar_state(alice)["unread"] == 0

    client.force_login(anna)
    annas = client.get(reverse("portal:inbox"), {"unread": "1"})
    assert list(annas.context["page"]) == [notice]
    page = client.get(reverse("portal:inbox")).content.decode()
    assert 'class="unread"' in page and "Fee change for Alpha</strong>" in page
    assert topbar_state(anna)["unread"] == 1
    assert list(client.get(reverse("portal:inbox"), {"order": "unread"}).context["page"]) == [notice]

    assert set(NoticeRead.objects.values_list("user__username", flat=True)) == {"alice"}
    notice.refresh_from_db()
    assert notice.read_at is not None  # the first opening by anyone, as API tokens see it


def test_reading_twice_keeps_the_first_time_per_person(alice, anna, bob_account, monkeypatch):
    notice = make_notice(key="pa/2", company=bob_account.company)
    first = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "now", lambda: first)
    notice_mark_read(notice=notice, user=alice)
    monkeypatch.setattr(clock, "now", lambda: first + dt.timedelta(hours=2))
    notice_mark_read(notice=Notice.objects.get(pk=notice.pk), user=alice)
    notice_mark_read(notice=Notice.objects.get(pk=notice.pk), user=anna)

    reads = dict(NoticeRead.objects.values_list("user__username", "read_at"))
    assert reads == {"alice": first, "anna": first + dt.timedelta(hours=2)}
    notice.refresh_from_db()
    assert notice.read_at == first
