"""Schemathesis against /api/schema/ (issue #9): every operation, called with generated requests as
company A's token and as an ops token, must answer without a server error, with the documented
content type and a body that matches its response schema.

The schema is loaded from the WSGI application itself (no server). Each generated case is sent as
generated and again with its path parameters pointing at company A's real objects (company, account,
card, cardmember, fee schedule...), so the operations are exercised on data, not only on 404s.
Hypothesis runs a few examples per operation, so the whole file takes a minute or two.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import schemathesis
import time_machine
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from fees.models import FeeSchedule

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# The schema's own examples, a few generated requests per operation, and stateful chains; the coverage phase's
# hundreds of boundary cases per operation would take the suite past its time budget.
schema.config.phases.update(phases=["examples", "fuzzing", "stateful"])

CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
EXAMPLES = settings(max_examples=3, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
NOW = dt.datetime(2026, 1, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Schemathesis calls the WSGI handler, whose request signals close the database connection after
    each request, and with it the test's transaction on PostgreSQL. Django's test client unhooks
    close_old_connections the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(company_a, bob_account, bob_card, tokens, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return {
        "company": company_a.number, "account": bob_account.number, "card": bob_card.card.pk,
        "cardmember": bob_account.cardmember_id,
        "fee_schedule": FeeSchedule.objects.order_by("pk").first().pk, "tokens": tokens,
    }


# Which real object a path parameter names, by the collection before it.
REAL = {"companies": "company", "accounts": "account", "cards": "card", "cardmembers": "cardmember",
        "fee-schedules": "fee_schedule"}


def with_real_objects(case, world) -> bool:
    """Point the case's path parameters at company A's objects; False if none applied."""
    changed = False
    for match in re.finditer(r"/([a-z-]+)/\{([a-z_]+)\}", case.path):
        collection, parameter = match.groups()
        if collection in REAL and case.path_parameters and parameter in case.path_parameters:
            case.path_parameters[parameter] = world[REAL[collection]]
            changed = True
    return changed


def run(case, world, key: str) -> None:
    headers = {"Authorization": f"Token {key}"}
    with time_machine.travel(NOW, tick=False):
        case.call_and_validate(headers=headers, checks=CHECKS)
        if with_real_objects(case, world):
            case.call_and_validate(headers=headers, checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_company_token(case, api_world):
    run(case, api_world, api_world["tokens"].a)


@schema.parametrize()
@EXAMPLES
def test_ops_token(case, api_world):
    run(case, api_world, api_world["tokens"].ops)


def test_stateful_workflows_as_company_token(api_world):
    """Chains of calls along the links schemathesis infers from the schema (e.g. an order's card id
    into GET /cards/{id}/): the same three checks on every step."""
    key = api_world["tokens"].a

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Token {key}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    with time_machine.travel(NOW, tick=False):
        Workflow.run(settings=settings(max_examples=5, stateful_step_count=4, deadline=None, derandomize=True,
                                       database=None, suppress_health_check=list(HealthCheck)))
