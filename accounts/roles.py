"""Ops roles: what an ops person or ops API token may do comes from Django permissions, never from
`is_staff` alone (SPEC section 17; issue 15 item 3).

`is_staff` only says "this is an ops person" (may open the admin, needs two factors, is never a PA or
cardmember). What they may see and change is the permissions they hold, directly or through the ops
groups below. An ops API token acts with the permissions of the ops user it names (`ApiToken.user`);
an ops token without one, or whose user is inactive or not staff, may do nothing.

The groups are data: `ops_groups_sync` creates or updates them after every `migrate` (post_migrate),
so a deployment gets the same roles as the tests. Ops may add their own groups; these five are
reset to the definition below on each migrate.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS

# Custom permissions where "change" is too broad (each lives in its model's Meta.permissions).
TERMINATE_COMPANY = "accounts.terminate_company"
ONBOARD_COMPANY = "accounts.onboard_company"
CLOSE_ACCOUNT = "accounts.close_account"
RENEW_CARDS = "accounts.renew_cards"
EXPORT_PERSONAL_DATA = "accounts.export_personal_data"
REFUND_CREDIT_BALANCE = "accounts.refund_credit_balance"
DECIDE_DISPUTE = "disputes.decide_dispute"
DECIDE_REFUND = "disputes.decide_refund"
PUBLISH_FEE_SCHEDULE = "fees.publish_feeschedule"
SET_REFERENCE_RATE = "fees.set_referencerate"
MARK_NOTICE_RETURNED = "communications.mark_notice_returned"
SET_STANDING = "accounts.set_standing"  # default / suspend / lift for terms §27b causes (issue 16 item 3)

# Seeing any company's data at all (lists, details, the portal's pages as ops).
VIEW_COMPANIES = "accounts.view_company"
VIEW_CYCLE_MONITOR = "common.view_cyclemonitor"

# The apps whose models ops work with (the viewer sees all of them).
OPS_APPS = ("accounts", "audit", "charges", "communications", "complaints", "disputes", "documents", "events",
            "fees", "ledger", "liability", "rewards", "statements")


def _user_of(user: Any):
    """The person whose permissions apply: the user itself, or the ops user an ops API token names."""
    from accounts.authentication import ApiClient
    from accounts.models import ApiToken

    if isinstance(user, ApiClient):
        token = user.token
        return token.user if token.kind == ApiToken.Kind.OPS and token.user_id else None
    return user


def is_ops(user: Any) -> bool:
    """An ops caller: a signed-in, active staff user, or an ops API token (whatever its powers)."""
    from accounts.authentication import ApiClient
    from accounts.models import ApiToken

    if isinstance(user, ApiClient):
        return user.token.kind == ApiToken.Kind.OPS
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def ops_may(user: Any, *permissions: str) -> bool:
    """Does this ops caller hold every one of `permissions` (SPEC section 17)? Non-ops callers: False.

    A staff user's own and group permissions apply (a superuser holds all); an ops token's are those
    of its ops user, who must be active and staff."""
    if not is_ops(user):
        return False
    person = _user_of(user)
    if person is None or not person.is_active or not person.is_staff:
        return False
    return person.has_perms(permissions)


# The ops groups (SPEC section 17). Each is the viewer's view permissions plus the listed ones.
VIEWER = "Ops viewer"
SERVICE_AGENT = "Ops service agent"
CREDIT = "Ops credit"
FINANCE = "Ops finance"
ADMIN = "Ops admin"

SERVICE_AGENT_PERMISSIONS = (
    # Card lifecycle for a holder on the phone: activate, block, unblock, report, cancel, reissue, renew.
    "accounts.change_card", RENEW_CARDS, "accounts.add_card",
    "accounts.change_cardmember", "accounts.change_spendingcontrols",
    # Stopping a merchant's recurring charges for a holder on the phone (terms §16).
    "disputes.add_recurringstop", "disputes.change_recurringstop",
    EXPORT_PERSONAL_DATA, MARK_NOTICE_RETURNED,
    # Cases: open and work them; the decisions are credit's.
    "disputes.add_dispute", "disputes.change_dispute", "disputes.add_refundrequest",
    "disputes.change_refundrequest", "disputes.add_unauthorizeduseincident",
    "disputes.change_unauthorizeduseincident",
    "rewards.add_enrolment", "rewards.change_enrolment",
    # Complaints about the service (terms §21b–d): the agent on the phone gives the written answer.
    "complaints.answer_complaint", "complaints.change_complaint",
    # Sending a company's webhook event again when its receiver missed it (SPEC section 16).
    "events.replay_webhookattempt",
)
CREDIT_PERMISSIONS = (
    ONBOARD_COMPANY, TERMINATE_COMPANY, CLOSE_ACCOUNT, SET_STANDING, "accounts.change_company",
    "accounts.change_account",
    "accounts.change_spendingcontrols", "accounts.add_programmeadministrator",
    "accounts.delete_programmeadministrator",
    DECIDE_DISPUTE, DECIDE_REFUND, "disputes.change_dispute", "disputes.change_refundrequest",
    "disputes.change_unauthorizeduseincident",
    # Second-person approvals (issue 15 item 5) and collection costs on accounts in default (terms §27d).
    "accounts.approve_change", "fees.post_collection_cost", "fees.add_collectioncost",
)
FINANCE_PERMISSIONS = (
    "charges.add_chargefile", "charges.add_paymentfile", REFUND_CREDIT_BALANCE,
    PUBLISH_FEE_SCHEDULE, "fees.add_feeschedule", SET_REFERENCE_RATE, "fees.add_referencerate",
    "accounts.add_programmerules", "disputes.add_disputerules", "rewards.add_pointsrule",
    "rewards.add_exportbatch", "rewards.change_exportbatch", "liability.add_personalcharge",
)


def group_permissions() -> dict[str, set[str]]:
    """Group name -> "app_label.codename" set, from the permissions that exist now."""
    from django.contrib.auth.models import Permission

    every = {f"{app}.{codename}" for app, codename in
             Permission.objects.filter(content_type__app_label__in=OPS_APPS)
             .values_list("content_type__app_label", "codename")}
    view = {name for name in every if name.split(".", 1)[1].startswith("view_")}
    # The cycle monitor (issue 19 item 12) is the one page of the `common` app every ops user reads.
    view |= {f"common.{codename}" for codename in Permission.objects.filter(
        content_type__app_label="common", codename=VIEW_CYCLE_MONITOR.split(".")[1]).values_list("codename", flat=True)}
    auth_view = {"auth.view_user", "auth.view_group"}
    return {
        VIEWER: view,
        SERVICE_AGENT: view | (set(SERVICE_AGENT_PERMISSIONS) & every),
        CREDIT: view | (set(CREDIT_PERMISSIONS) & every),
        FINANCE: view | (set(FINANCE_PERMISSIONS) & every),
        # Everything in the product's apps, and seeing who is who; user management stays with superusers.
        ADMIN: every | view | auth_view,
    }


def ops_groups_sync(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create or reset the five ops groups to their definition (SPEC section 17)."""
    from django.contrib.auth.models import Group, Permission

    for name, wanted in group_permissions().items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        ids = [
            pk for pk, app, codename in Permission.objects.using(using)
            .values_list("pk", "content_type__app_label", "codename")
            if f"{app}.{codename}" in wanted
        ]
        group.permissions.set(ids)


def ensure_ops_groups(sender=None, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate: every app's permissions first (Django makes them app by app, in the same signal),
    then the groups."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    ops_groups_sync(using=using)
