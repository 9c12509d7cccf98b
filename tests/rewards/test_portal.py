"""EuroBonus in the portal (SPEC section 13): bob asks and sees his points, alice decides and sees her
company's points, ops see the SAS batches to chase; carol sees nothing of company A."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import VIEWER
from rewards.exports import eurobonus_batch_export
from rewards.models import Enrolment
from rewards.services import REASON_REQUIRED
from tests.accounts.factories import ops_user
from tests.rewards.conftest import JAN_5, MEMBER, purchase
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(bob_account):
    run_through(JAN_5, start=JAN_5)
    return bob_account


def test_bob_asks_to_join_from_his_home_page(client, started, bob):
    client.force_login(bob)
    home = client.get(reverse("portal:cardmember_home")).content.decode()
    url = reverse("portal:account_eurobonus", args=[started.number])
    assert url in home and "Join with your EuroBonus number" in home
    assert "1 point per DKK\xa010.00" in client.get(url).content.decode()
    response = client.post(url, {"member_number": "ebs 123 456 789"})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get()
    assert (enrolment.status, enrolment.member_number, enrolment.requested_on) == ("requested", MEMBER, JAN_5)
    page = client.get(url).content.decode()
    assert "Requested" in page and MEMBER in page and 'name="member_number"' not in page
    # Bob cannot approve his own request.
    assert client.post(reverse("portal:eurobonus_decide", args=[enrolment.pk, "approve"])).status_code == 403


def test_a_bad_number_is_a_form_error(client, started, bob):
    client.force_login(bob)
    page = client.post(reverse("portal:account_eurobonus", args=[started.number]), {"member_number": "EB-1"})
    assert page.status_code == 200
    assert "is not a EuroBonus number" in page.content.decode()
    assert not Enrolment.objects.exists()


def test_no_request_form_when_the_company_does_not_allow_eurobonus(client, started, bob, company_a):
    company_a.eurobonus_allowed = False
    company_a.save()
    client.force_login(bob)
    url = reverse("portal:account_eurobonus", args=[started.number])
    page = client.get(url).content.decode()
    assert "does not include SAS EuroBonus" in page and 'name="member_number"' not in page
    assert client.post(url, {"member_number": MEMBER}).status_code == 403
    assert "Join with your EuroBonus number" not in client.get(reverse("portal:cardmember_home")).content.decode()


def test_alice_approves_suspends_and_sees_points(client, started, bob, alice):
    client.force_login(bob)
    client.post(reverse("portal:account_eurobonus", args=[started.number]), {"member_number": MEMBER})
    enrolment = Enrolment.objects.get()
    client.force_login(alice)
    company_page = reverse("portal:company_eurobonus", args=["10001"])
    assert reverse("portal:company_eurobonus", args=["10001"]) in client.get(
        reverse("portal:company_detail", args=["10001"])).content.decode()
    page = client.get(company_page).content.decode()
    assert "Requests awaiting your decision" in page and MEMBER in page
    response = client.post(reverse("portal:eurobonus_decide", args=[enrolment.pk, "approve"]), {"next": company_page})
    assert response.status_code == 302 and response["Location"] == company_page
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.fee_anchor) == ("active", dt.date(2026, 1, 6))

    purchase(started, "12345.67", dt.date(2026, 1, 10), "charge/1")
    run_through(dt.date(2026, 1, 31))
    assert "1,234" in client.get(company_page).content.decode()  # alice reads English
    statement = started.statements.get()
    assert statement.eurobonus_points == 1234

    no_reason = client.post(reverse("portal:eurobonus_decide", args=[enrolment.pk, "suspend"]), follow=True)
    assert REASON_REQUIRED in no_reason.content.decode()
    client.post(reverse("portal:eurobonus_decide", args=[enrolment.pk, "suspend"]), {"reason": "Arrears"})
    enrolment.refresh_from_db()
    assert enrolment.status == "suspended"


def test_bob_sees_his_points_in_danish(client, enrolled, bob_account, bob):
    purchase(bob_account, "12345.67", dt.date(2026, 1, 10), "charge/1")
    run_through(dt.date(2026, 1, 31), start=JAN_5)
    client.force_login(bob)
    client.cookies["django_language"] = "da"
    home = client.get(reverse("portal:cardmember_home"), HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "1.234" in home
    page = client.get(reverse("portal:account_eurobonus", args=[bob_account.number]),
                      HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "12.345,67" in page and "1.234" in page
    statement = bob_account.statements.get()
    assert reverse("portal:statement_detail", args=[statement.pk]) in page
    document = client.get(reverse("portal:statement_detail", args=[statement.pk])).content.decode()
    assert ">1.234</td>" in document  # the statement itself, in Bob's Danish, carries the period's points


def test_carol_sees_nothing_of_company_a(client, enrolled, bob_account, carol):
    client.force_login(carol)
    assert client.get(reverse("portal:account_eurobonus", args=[bob_account.number])).status_code == 404
    assert client.get(reverse("portal:company_eurobonus", args=["10001"])).status_code == 404
    for verb in ("approve", "suspend", "end"):
        response = client.post(reverse("portal:eurobonus_decide", args=[enrolled.pk, verb]), {"reason": "x"})
        assert response.status_code == 404
    assert client.get(reverse("portal:eurobonus_exports")).status_code == 403
    assert Enrolment.objects.get().status == "active"


def test_list_pages_have_a_fixed_number_of_queries(client, enrolled, bob_account, other_account, alice,
                                                   django_assert_max_num_queries):
    from rewards.services import enrolment_enrol_by_card_order

    enrolment_enrol_by_card_order(account=other_account, member_number="EBS987654321", on=JAN_5)
    purchase(bob_account, "100.00", dt.date(2026, 1, 10), "charge/1")
    run_through(dt.date(2026, 3, 31), start=JAN_5)
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        client.get(reverse("portal:company_eurobonus", args=["10001"]))
    with django_assert_max_num_queries(14):
        client.get(reverse("portal:account_eurobonus", args=[bob_account.number]))


def test_ops_see_exports_unconfirmed_after_10_weeks(client, enrolled, bob_account):
    purchase(bob_account, "100.00", dt.date(2026, 1, 10), "charge/1")
    run_through(dt.date(2026, 1, 31), start=JAN_5)
    eurobonus_batch_export(month=dt.date(2026, 1, 1), on=dt.date(2026, 2, 2))
    ops = ops_user("olga", VIEWER)  # seeing the batches needs their view permission (issue 15 item 3)
    client.force_login(ops)
    with time_machine.travel(dt.datetime(2026, 4, 14, 9, 0, tzinfo=dt.UTC), tick=False):
        page = client.get(reverse("portal:eurobonus_exports")).content.decode()
    assert "AMEXPROG-EB-2026-01: exported on" in page and "still not confirmed by SAS after 10 weeks" in page
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        page = client.get(reverse("portal:eurobonus_exports")).content.decode()
    assert "Nothing: every export is confirmed or still within 10 weeks." in page
