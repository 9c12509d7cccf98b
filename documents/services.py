"""Accepting the cardmember terms (terms §1, §25)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Cardmember
from amexprog.common.errors import ApplicationError
from documents.models import TermsAcceptance, TermsVersion

NOT_IN_FORCE = "Version {version} of the terms is not in force; accept the version shown."


@transaction.atomic
def terms_accept(*, cardmember: Cardmember, terms: TermsVersion, at: dt.datetime) -> TermsAcceptance:
    """Record the acceptance once; accepting the same version again keeps the first time."""
    if terms.effective_from > timezone.localdate(at):
        raise ApplicationError(NOT_IN_FORCE.format(version=terms.version), "terms_not_in_force")
    acceptance, _created = TermsAcceptance.objects.get_or_create(
        cardmember=cardmember, terms=terms, defaults={"accepted_at": at})
    return acceptance
