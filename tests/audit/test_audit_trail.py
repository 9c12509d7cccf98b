"""The audit trail (SPEC section 1: every change audited): database triggers record every insert,
update and delete of the tracked models, whatever wrote it, with who and from where."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from accounts.models import Card, Company
from audit.models import CardEvent, CardmemberEvent, CompanyEvent, ProgrammeAdministratorCompanyEvent
from tests.accounts.order_files import card_file, card_rows
from tests.audit.probe_command import Command as ProbeCommand
from tests.audit.urls import probe_task
from tests.conftest import token_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.audit.urls")]
postgres_only = pytest.mark.postgres


def _events(op: str, company: Company):
    """The events the probe's write `op` must have left, newest first."""
    if op == "save":
        return list(CompanyEvent.objects.filter(pgh_obj=company, pgh_label="update").select_related("pgh_context"))
    if op == "update":
        return list(CardmemberEvent.objects.filter(company=company, pgh_label="update", cost_centre="CC-update")
                    .select_related("pgh_context"))
    return list(CardmemberEvent.objects.filter(company=company, pgh_label="insert", employee_id__startswith="BULK")
                .select_related("pgh_context"))


EXPECTED_COUNT = {"save": 1, "update": 1, "bulk_create": 2}


@postgres_only
@pytest.mark.parametrize("op", ["save", "update", "bulk_create"])
def test_a_portal_request_is_audited_with_the_user_url_address_and_request_id(op, company_a, alice, bob_account):
    client = Client()
    client.force_login(alice)

    response = client.post(f"/audit-probe/{op}/10001/", HTTP_X_REQUEST_ID="req-42", REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-42"
    events = _events(op, company_a)
    assert len(events) == EXPECTED_COUNT[op]
    for event in events:
        metadata = event.pgh_context.metadata
        assert metadata["user"] == alice.pk
        assert metadata["url"] == f"/audit-probe/{op}/10001/"
        assert metadata["method"] == "POST"
        assert metadata["ip"] == "192.0.2.7"
        assert metadata["request_id"] == "req-42"


@postgres_only
@pytest.mark.parametrize("op", ["save", "update", "bulk_create"])
def test_an_api_request_is_audited_with_the_token_name_and_company(op, company_a, bob_account, tokens):
    response = token_client(tokens.a).post(f"/api/v1/audit-probe/{op}/10001/")

    assert response.status_code == 200, response.content
    events = _events(op, company_a)
    assert len(events) == EXPECTED_COUNT[op]
    for event in events:
        metadata = event.pgh_context.metadata
        assert metadata["api_token"].startswith("A (")
        assert metadata["api_token_kind"] == "company"
        assert metadata["company"] == "10001"
        assert metadata["user"] is None
        assert metadata["url"] == f"/api/v1/audit-probe/{op}/10001/"
        assert tokens.a not in json.dumps(metadata)  # the key itself is never recorded


@postgres_only
@pytest.mark.parametrize("op", ["save", "update", "bulk_create"])
def test_a_management_command_is_audited_with_its_name(op, company_a, bob_account):
    call_command(ProbeCommand(), op, "10001", stdout=io.StringIO())

    events = _events(op, company_a)
    assert len(events) == EXPECTED_COUNT[op]
    for event in events:
        assert event.pgh_context.metadata == {"command": "probe_command"}


@postgres_only
def test_cards_issued_by_import_cards_are_audited_with_the_command(company_a, tmp_path):
    path = tmp_path / "cards.csv"
    path.write_bytes(card_file(*card_rows(2)))

    call_command("import_cards", str(path), "--date", "2026-03-02", stdout=io.StringIO())

    events = CardEvent.objects.filter(pgh_label="insert").select_related("pgh_context")
    assert events.count() == 2
    assert {event.pgh_context.metadata["command"] for event in events} == {"import_cards"}
    assert set(events.values_list("pgh_obj_id", flat=True)) == set(Card.objects.values_list("pk", flat=True))


@postgres_only
def test_a_celery_task_is_audited_with_its_name(company_a, bob_account):
    probe_task.delay("update", "10001")

    (event,) = _events("update", company_a)
    assert event.pgh_context.metadata["task"] == "tests.audit.probe_task"
    assert event.pgh_context.metadata["task_id"]


@postgres_only
def test_a_task_run_by_a_command_keeps_the_commands_name(company_a, bob_account):
    call_command(ProbeCommand(), "task", "10001", stdout=io.StringIO())

    (event,) = _events("update", company_a)
    assert event.pgh_context.metadata == {"command": "probe_command"}


@postgres_only
def test_raw_sql_is_audited_too(company_a, bob_card):
    card = bob_card.card
    issued_status = card.status
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_card SET status = 'blocked', block_reason = 'raw' WHERE id = %s", [card.pk])

    update = CardEvent.objects.get(pgh_obj_id=card.pk, pgh_label="update")
    assert (update.status, update.block_reason) == ("blocked", "raw")
    assert update.pgh_context is None  # no request, command or task: nobody to name
    assert CardEvent.objects.get(pgh_obj_id=card.pk, pgh_label="insert").status == issued_status


@postgres_only
def test_a_pa_losing_a_company_is_audited_with_the_row_as_it_was(company_a, alice):
    alice.pa.companies.remove(company_a)

    deleted = ProgrammeAdministratorCompanyEvent.objects.get(pgh_label="delete")
    assert (deleted.programmeadministrator_id, deleted.company_id) == (alice.pa.pk, company_a.pk)


@postgres_only
def test_the_audit_trail_itself_is_append_only(company_a):
    event = CompanyEvent.objects.get(pgh_obj=company_a, pgh_label="insert")
    for sql in ("UPDATE audit_companyevent SET legal_name = 'forged' WHERE pgh_id = %s",
                "DELETE FROM audit_companyevent WHERE pgh_id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.legal_name == "Alpha A/S"


def test_every_response_carries_a_request_id_and_writes_work_on_either_database(company_a, alice):
    client = Client()
    client.force_login(alice)

    response = client.post("/audit-probe/save/10001/", HTTP_X_REQUEST_ID="not a valid id!")

    assert response.status_code == 200
    assert len(response["X-Request-ID"]) == 32  # an unusable id given by the caller is replaced
    assert Company.objects.get(number="10001").legal_name == "Saved A/S"
    expected = 1 if connection.vendor == "postgresql" else 0  # SQLite has no triggers (README)
    assert CompanyEvent.objects.filter(pgh_obj=company_a, pgh_label="update").count() == expected
