"""Ops powers come from Django permissions, not is_staff (SPEC section 17, issue 15 item 3): the admin's
actions, the ops groups, ops API tokens, and every API action naming its permission."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.views import APIView

from accounts import roles
from accounts.models import Account, Company
from accounts.roles import ops_may
from accounts.services import OPS_TOKEN_NEEDS_OPS_USER, api_token_create
from amexprog.common.errors import ApplicationError
from amexprog.common.permissions import required_ops_permissions
from tests.accounts.factories import UserFactory, ops_user
from tests.conftest import token_client
from tests.test_authorization_matrix import snapshot

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 1, 20, 10, 0, tzinfo=dt.UTC)


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The admin ---------------------------------------------------------------------------------------------

def test_issue15_item3_view_only_staff_cannot_terminate_a_company_in_the_admin(company_a, bob_card):
    """The finding: a staff user with view permissions only terminated every company with the admin action."""
    victor = ops_user("victor", roles.VIEWER)
    client = admin_client(victor)
    url = reverse("admin:accounts_company_changelist")
    assert client.get(url).status_code == 200  # he may look
    with time_machine.travel(NOW, tick=False):
        client.post(url, {"action": "terminate_companies", ACTION_CHECKBOX_NAME: [company_a.pk],
                          "apply": "1", "reason": "victor was here"})
    company_a.refresh_from_db()
    assert company_a.status != "terminated"
    assert not Account.objects.filter(company=company_a, status="closed").exists()


def test_issue15_item3_credit_terminates_a_company_in_the_admin(company_a, bob_card):
    client = admin_client(ops_user("cora", roles.CREDIT))
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("admin:accounts_company_changelist"), {
            "action": "terminate_companies", ACTION_CHECKBOX_NAME: [company_a.pk], "apply": "1",
            "reason": "contract ended"})
    assert Company.objects.get(pk=company_a.pk).status == "terminated"


def _registered_actions():
    """(model admin, action name) for every action of every registered model, Django's own delete included."""
    for model, model_admin in admin.site._registry.items():
        for name in (model_admin.actions or []):
            yield model, model_admin, name if isinstance(name, str) else name.__name__
        yield model, model_admin, "delete_selected"


def test_issue15_item3_view_only_staff_runs_no_admin_action(world_for_admin):
    """Every admin action of every model, tried by the view-only ops person on the first row: none is
    offered to him, and posting it anyway changes nothing."""
    victor = ops_user("victor", roles.VIEWER)
    client = admin_client(victor)
    tried, problems = 0, []
    request = client.get(reverse("admin:index")).wsgi_request
    for model, model_admin, name in _registered_actions():
        first = model._default_manager.order_by("pk").first() if model._meta.managed else None
        if first is None:
            continue
        offered = model_admin.get_actions(request)
        if name in offered:
            problems.append(f"{model._meta.label}: {name} offered to a view-only ops user")
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        before = snapshot()
        with time_machine.travel(NOW, tick=False):
            response = client.post(url, {"action": name, ACTION_CHECKBOX_NAME: [first.pk], "apply": "1",
                                         "post": "yes", "reason": "victor was here"})
        tried += 1
        if response.status_code == 200 and response.get("Content-Disposition"):
            problems.append(f"{model._meta.label}: {name} answered a file")
        if snapshot() != before:
            problems.append(f"{model._meta.label}: {name} changed data")
    assert tried >= 15
    assert not problems, "\n".join(problems)


@pytest.fixture
def world_for_admin(company_a, bob_card, alice, tokens):
    """A company with a PA, a cardmember with a card and a notice, enough for a first row in most admin lists."""
    from accounts.models import Notice

    Notice.objects.create(kind=Notice.Kind.values[0], cardmember=bob_card.card.account.cardmember,
                          subject="Hello", body="Hello Bob.", created_on=NOW.date(), source_key="roles/notice")
    return company_a


def test_issue15_item3_export_personal_data_needs_its_permission(bob_account):
    """The admin's export action and the portal download are refused to ops without the permission."""
    cardmember = bob_account.cardmember
    for user, allowed in ((ops_user("victor", roles.VIEWER), False), (ops_user("sam", roles.SERVICE_AGENT), True)):
        client = admin_client(user)
        response = client.post(reverse("admin:accounts_cardmember_changelist"), {
            "action": "export_personal_data", ACTION_CHECKBOX_NAME: [cardmember.pk]})
        assert bool(response.get("Content-Disposition")) is allowed, user
        download = client.get(reverse("portal:cardmember_data_export", kwargs={"pk": cardmember.pk}))
        assert (download.status_code == 200) is allowed, user


def test_issue15_item3_fee_schedule_and_reference_rate_forms_are_finance_powers():
    for user, allowed in ((ops_user("victor", roles.VIEWER), False), (ops_user("cora", roles.CREDIT), False),
                          (ops_user("fin", roles.FINANCE), True)):
        client = admin_client(user)
        for url in (reverse("admin:fees_feeschedule_add"), reverse("admin:fees_referencerate_add")):
            assert (client.get(url).status_code == 200) is allowed, (user, url)


# The groups --------------------------------------------------------------------------------------------

POWERS = {
    roles.TERMINATE_COMPANY: {roles.CREDIT, roles.ADMIN},
    roles.CLOSE_ACCOUNT: {roles.CREDIT, roles.ADMIN},
    roles.ONBOARD_COMPANY: {roles.CREDIT, roles.ADMIN},
    roles.DECIDE_DISPUTE: {roles.CREDIT, roles.ADMIN},
    roles.DECIDE_REFUND: {roles.CREDIT, roles.ADMIN},
    roles.RENEW_CARDS: {roles.SERVICE_AGENT, roles.ADMIN},
    "accounts.change_card": {roles.SERVICE_AGENT, roles.ADMIN},
    roles.EXPORT_PERSONAL_DATA: {roles.SERVICE_AGENT, roles.ADMIN},
    roles.MARK_NOTICE_RETURNED: {roles.SERVICE_AGENT, roles.ADMIN},
    "disputes.change_dispute": {roles.SERVICE_AGENT, roles.CREDIT, roles.ADMIN},
    roles.PUBLISH_FEE_SCHEDULE: {roles.FINANCE, roles.ADMIN},
    roles.SET_REFERENCE_RATE: {roles.FINANCE, roles.ADMIN},
    roles.REFUND_CREDIT_BALANCE: {roles.FINANCE, roles.ADMIN},
    "charges.add_chargefile": {roles.FINANCE, roles.ADMIN},
    "charges.add_paymentfile": {roles.FINANCE, roles.ADMIN},
    # What every group has: seeing.
    roles.VIEW_COMPANIES: {roles.VIEWER, roles.SERVICE_AGENT, roles.CREDIT, roles.FINANCE, roles.ADMIN},
    "ledger.view_journalentry": {roles.VIEWER, roles.SERVICE_AGENT, roles.CREDIT, roles.FINANCE, roles.ADMIN},
}
GROUPS = (roles.VIEWER, roles.SERVICE_AGENT, roles.CREDIT, roles.FINANCE, roles.ADMIN)


def test_issue15_item3_each_ops_group_gets_what_it_should():
    people = {group: ops_user(f"ops-{index}", group) for index, group in enumerate(GROUPS)}
    nobody = ops_user("ops-nobody", None)
    wrong = [f"{group} {'lacks' if group in holders else 'has'} {permission}"
             for permission, holders in POWERS.items() for group, person in people.items()
             if ops_may(person, permission) is not (group in holders)]
    assert not wrong, wrong
    assert not any(ops_may(nobody, permission) for permission in POWERS)  # staff alone: nothing
    viewer = Group.objects.get(name=roles.VIEWER).permissions.all()
    assert viewer.exists() and all(p.codename.startswith("view_") for p in viewer)


def test_issue15_item3_the_groups_are_data_reset_after_every_migrate():
    """post_migrate made them for the test database; a group someone widened is put back on the next run."""
    viewer = Group.objects.get(name=roles.VIEWER)
    from django.contrib.auth.models import Permission

    viewer.permissions.add(Permission.objects.get(codename="terminate_company"))
    roles.ensure_ops_groups(using="default")
    assert not viewer.permissions.filter(codename="terminate_company").exists()
    assert set(Group.objects.filter(name__in=GROUPS).values_list("name", flat=True)) == set(GROUPS)


def test_issue15_item3_inactive_or_non_staff_people_have_no_ops_powers():
    person = ops_user("gone", roles.ADMIN)
    assert ops_may(person, roles.TERMINATE_COMPANY)
    person.is_active = False
    assert not ops_may(person, roles.TERMINATE_COMPANY)
    pa_like = UserFactory(username="not-staff")
    pa_like.groups.add(Group.objects.get(name=roles.ADMIN))
    assert not ops_may(pa_like, roles.TERMINATE_COMPANY)


# Ops API tokens ----------------------------------------------------------------------------------------

def test_issue15_item3_an_ops_token_acts_with_its_users_permissions(company_a, bob_card):
    """Before the fix an ops token could do everything; now it has the powers of the ops user it names."""
    _token, key = api_token_create(name="viewer robot", kind="ops", user=ops_user("robot", roles.VIEWER))
    client = token_client(key)
    detail = reverse("company-detail", kwargs={"number": company_a.number})
    assert client.get(detail).status_code == 200
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("company-terminate", kwargs={"number": company_a.number}),
                               {"reason": "robot"}, format="json")
    assert response.status_code == 403
    assert Company.objects.get(pk=company_a.pk).status != "terminated"


def test_issue15_item3_an_ops_token_needs_an_ops_user():
    with pytest.raises(ApplicationError) as refused:
        api_token_create(name="nobody's", kind="ops")
    assert refused.value.message == OPS_TOKEN_NEEDS_OPS_USER
    with pytest.raises(ApplicationError):
        api_token_create(name="a PA's", kind="ops", user=UserFactory(username="pa-ish"))


def test_issue15_item3_an_ops_token_whose_user_left_can_do_nothing(company_a):
    person = ops_user("leaver", roles.ADMIN)
    _token, key = api_token_create(name="leaver's", kind="ops", user=person)
    person.is_active = False
    person.save()
    assert token_client(key).get(reverse("company-list")).status_code == 403


# Every API action names its permission ----------------------------------------------------------------

def _api_views():
    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "cls", None)
                if view is not None and issubclass(view, APIView):
                    yield pattern, view, getattr(pattern.callback, "actions", None)

    yield from walk(get_resolver().url_patterns)


def test_issue15_item3_every_ops_api_action_names_its_permission():
    """Every method of every API route our permission classes guard has an entry in its view's
    ops_permissions, each an existing permission (a typo would refuse ops silently)."""
    from django.contrib.auth.models import Permission
    from rest_framework.test import APIRequestFactory

    from amexprog.common.permissions import OpsPermissions

    existing = {f"{app}.{code}" for app, code in Permission.objects.values_list("content_type__app_label",
                                                                                 "codename")}
    factory, missing, unknown = APIRequestFactory(), [], []
    for pattern, view_class, actions in _api_views():
        guarded = [cls for cls in getattr(view_class, "permission_classes", []) if issubclass(cls, OpsPermissions)]
        if not guarded and view_class.__name__ not in ("AuthorizationView", "AuthorizationSlashView"):
            continue
        methods = actions or {m: None for m in ("get", "post", "patch", "delete") if hasattr(view_class, m)}
        for method, action in methods.items():
            if view_class.__name__.startswith("Authorization") and method == "post":
                continue  # the network token's alone
            view = view_class()
            view.action, view.action_map = action, actions
            needed = required_ops_permissions(getattr(factory, method)("/"), view)
            if needed is None:
                missing.append(f"{pattern.pattern} {method.upper()} ({view_class.__name__}.{action or method})")
            else:
                unknown += [f"{view_class.__name__}: {name}" for name in needed if name not in existing]
    assert not missing, missing
    assert not unknown, unknown


def test_issue15_item3_options_describes_a_route_to_any_ops_person(company_a):
    client = Client()
    client.force_login(ops_user("victor", roles.VIEWER))
    response = client.options(reverse("company-list"))
    assert response.status_code == 200
    assert "POST" not in response.json().get("actions", {})  # nothing offered he may not do


def test_issue15_item3_create_token_names_the_ops_user_it_acts_as():
    from io import StringIO

    from django.core.management import CommandError, call_command

    from accounts.models import ApiToken

    victor = ops_user("victor", roles.VIEWER)
    out = StringIO()
    call_command("create_token", "--ops", "victor", stdout=out)
    assert ApiToken.objects.get(kind="ops").user == victor and out.getvalue().strip()
    UserFactory(username="pa-person")
    with pytest.raises(CommandError):
        call_command("create_token", "--ops", "pa-person", stdout=StringIO())
