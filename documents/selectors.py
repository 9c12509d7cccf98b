"""Which terms are in force and who accepted what (terms §1, §25)."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import Cardmember, Company
from documents.models import TermsAcceptance, TermsText, TermsVersion


def terms_in_force(*, on: dt.date) -> TermsVersion | None:
    """The latest version effective on or before `on`."""
    return TermsVersion.objects.filter(effective_from__lte=on).order_by("-effective_from", "-version").first()


def terms_text(terms: TermsVersion, language: str) -> TermsText | None:
    """The text in `language`, else English, else any language the version has."""
    texts = {text.language: text for text in terms.texts.all()}
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), None)


def latest_acceptance(cardmember: Cardmember) -> TermsAcceptance | None:
    return (TermsAcceptance.objects.filter(cardmember=cardmember).select_related("terms")
            .order_by("-terms__effective_from", "-accepted_at").first())


def company_acceptances(company: Company) -> QuerySet[Cardmember]:
    """The company's cardmembers, each with the latest version accepted and when (one query)."""
    latest = (TermsAcceptance.objects.filter(cardmember=OuterRef("pk"))
              .order_by("-terms__effective_from", "-accepted_at"))
    return (
        Cardmember.objects.filter(company=company)
        .annotate(accepted_version=Subquery(latest.values("terms__version")[:1]),
                  accepted_at=Subquery(latest.values("accepted_at")[:1]))
        .order_by("last_name", "first_name", "pk")
    )
