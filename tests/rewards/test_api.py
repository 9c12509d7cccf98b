"""EuroBonus over the API (SPEC sections 13, 16): bob asks, alice (or A's token) decides; carol and
B's token see nothing of A."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from rewards.models import Enrolment, EnrolmentEvent
from rewards.services import ALREADY_ENROLLED, REASON_REQUIRED, WRONG_STATUS
from tests.conftest import token_client
from tests.rewards.conftest import JAN_5, MEMBER, purchase
from tests.statements.conftest import run_through

pytestmark = pytest.mark.django_db

ENROLMENTS = "/api/v1/eurobonus/enrolments/"
POINTS = "/api/v1/eurobonus/points/"


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def started(bob_account):
    run_through(JAN_5, start=JAN_5)  # the business date the changes below take effect on
    return bob_account


def test_bob_asks_and_alice_approves(started, bob, alice):
    bob_account = started
    bob_account.cardmember.language = "en"
    bob_account.cardmember.save()
    asked = session(bob).post(ENROLMENTS, {"account_number": bob_account.number, "member_number": "ebs 123 456 789"},
                              format="json")
    assert asked.status_code == 201, asked.json()
    body = asked.json()
    assert (body["status"], body["member_number"], body["requested_on"]) == ("requested", MEMBER, "2026-01-05")

    refused = session(bob).post(f"{ENROLMENTS}{body['id']}/approve/")
    assert refused.status_code == 403  # a cardmember cannot approve their own request

    approved = session(alice).post(f"{ENROLMENTS}{body['id']}/approve/")
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["first_enrolled_on"], approved.json()["fee_date"]) == (
        "active", "2026-01-05", "2026-01-06")
    detail = session(bob).get(f"{ENROLMENTS}{body['id']}/").json()
    assert [(e["kind"], e["by"]) for e in detail["events"]] == [("requested", "bob"), ("approved", "alice")]
    notice = bob_account.cardmember.notices.get()  # in Bob's language: English below, as Danish is being translated
    assert notice.subject == "Your SAS EuroBonus enrolment is approved"
    assert notice.body == f"EuroBonus number {MEMBER}, account {bob_account.number}, from 5 Jan 2026."


def test_a_company_that_does_not_allow_eurobonus_refuses_the_request(started, bob, company_a):
    company_a.eurobonus_allowed = False
    company_a.save()
    response = session(bob).post(ENROLMENTS, {"account_number": started.number, "member_number": MEMBER},
                                 format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "eurobonus_not_allowed"
    assert not Enrolment.objects.exists()


def test_a_malformed_number_is_a_400_naming_the_field(started, bob):
    response = session(bob).post(ENROLMENTS, {"account_number": started.number, "member_number": "EB-1"},
                                 format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_eurobonus_number"
    assert [error["code"] for error in response.json()["fields"]["member_number"]] == ["bad_eurobonus_number"]


def test_the_company_token_suspends_resumes_and_ends_with_a_reason(started, enrolled, tokens):
    client = token_client(tokens.a)
    url = f"{ENROLMENTS}{enrolled.pk}/"
    no_reason = client.post(f"{url}suspend/", {"reason": ""}, format="json")
    assert (no_reason.status_code, no_reason.json()["detail"]) == (400, REASON_REQUIRED)
    assert client.post(f"{url}suspend/", {"reason": "Arrears"}, format="json").json()["status"] == "suspended"
    again = client.post(f"{url}suspend/", {"reason": "Arrears"}, format="json")
    assert again.json()["detail"] == WRONG_STATUS.format(status="suspended", action="suspended")
    assert client.post(f"{url}resume/", {}, format="json").json()["status"] == "active"
    ended = client.post(f"{url}end/", {"reason": "Left the company"}, format="json").json()
    assert (ended["status"], ended["ended_on"]) == ("ended", "2026-01-05")
    events = list(EnrolmentEvent.objects.filter(enrolment=enrolled).values_list("kind", "actor_label"))
    assert [kind for kind, _by in events] == ["card_order", "suspended", "resumed", "ended"]
    assert all(by.startswith("api-token:") for _kind, by in events[1:])


def test_asking_twice_is_refused(started, enrolled, bob):
    response = session(bob).post(ENROLMENTS, {"account_number": started.number, "member_number": MEMBER},
                                 format="json")
    assert response.json()["detail"] == ALREADY_ENROLLED.format(account=started.number, status="active")


def test_points_are_listed_per_statement(started, enrolled, bob, alice):
    purchase(started, "1999.99", dt.date(2026, 1, 10), "charge/1")
    run_through(dt.date(2026, 1, 31))
    for user in (bob, alice):
        rows = session(user).get(POINTS).json()["results"]
        assert [(r["statement_date"], r["points"], r["carried_out"], r["batch_status"]) for r in rows] == [
            ("2026-01-31", 199, "9.99", "accrued")]
    listing = session(alice).get(ENROLMENTS, {"company": "10001"}).json()["results"]
    assert [(row["member_number"], row["points_balance"]) for row in listing] == [(MEMBER, 199)]


def test_outsiders_get_404_on_as_enrolments_and_points(started, enrolled, carol, tokens):
    purchase(started, "100.00", dt.date(2026, 1, 10), "charge/1")
    run_through(dt.date(2026, 1, 31))
    for client in (session(carol), token_client(tokens.b)):
        assert client.get(ENROLMENTS).json()["results"] == []
        assert client.get(POINTS).json()["results"] == []
        assert client.get(f"{ENROLMENTS}{enrolled.pk}/").status_code == 404
        for verb in ("approve", "suspend", "resume", "end", "reject"):
            response = client.post(f"{ENROLMENTS}{enrolled.pk}/{verb}/", {"reason": "x"}, format="json")
            assert response.status_code == 404, verb
        asked = client.post(ENROLMENTS, {"account_number": started.number, "member_number": MEMBER}, format="json")
        assert asked.status_code == 404
    assert Enrolment.objects.get().status == "active"


@time_machine.travel(dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC), tick=False)
def test_only_ops_see_the_sas_batches(started, enrolled, tokens, alice):
    purchase(started, "100.00", dt.date(2026, 1, 10), "charge/1")
    run_through(dt.date(2026, 1, 31))
    assert token_client(tokens.a).get("/api/v1/eurobonus/batches/").status_code == 403
    assert session(alice).get("/api/v1/eurobonus/batches/").status_code == 403
    rows = token_client(tokens.ops).get("/api/v1/eurobonus/batches/").json()["results"]
    assert [(r["reference"], r["status"], r["accrued_points"], r["overdue"]) for r in rows] == [
        ("AMEXPROG-EB-2026-01", "accrued", 10, False)]
