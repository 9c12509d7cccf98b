"""Terms, fee schedules and the PA guide in the portal (terms §1, §18, §20, §25; SPEC sections 7, 15).

Every signed-in person reads the terms in force and the fee schedule of their market(s), in their
own language, and downloads both as PDF. A cardmember accepts the terms in force here; a PA sees
which version each cardmember of their companies accepted and when (another company is a 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import select_template
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Cardmember, Company, Language, Market
from accounts.selectors import visible_companies
from amexprog.common import clock
from amexprog.common.errors import ApplicationError
from documents.issuer import issuer_contact, issuer_details_by_market
from documents.models import TermsVersion
from documents.rendering import fee_lines, render_fee_schedule_pdf, render_terms_pdf
from documents.selectors import company_acceptances, latest_acceptance, terms_in_force, terms_text
from documents.services import terms_accept
from fees.models import FeeSchedule
from fees.selectors import fee_schedule_in_force
from portal.selectors import pa_or_ops_or_404

ACCEPTANCES_PER_PAGE = 50
HELP_PAGES = ("ordering", "cards", "statements", "data-files")


def _cardmember(user) -> Cardmember | None:
    return Cardmember.objects.filter(user=user).select_related("company").first()


def _language(request: HttpRequest) -> str:
    language = request.GET.get("language") or get_language() or "en"
    language = language.split("-")[0]
    return language if language in Language.values else "en"


def _markets(user) -> list[str]:
    """The markets whose fee schedule the viewer is shown: their companies' (a cardmember: their own)."""
    markets = set(visible_companies(user).values_list("market", flat=True).distinct())
    cardmember = _cardmember(user)
    if cardmember is not None:
        markets.add(cardmember.company.market)
    return [market for market in Market.values if market in markets]


def _schedule(market: str) -> FeeSchedule | None:
    try:
        return fee_schedule_in_force(market=market, on=clock.today())
    except ApplicationError:
        return None


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def terms(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    current = terms_in_force(on=clock.today())
    cardmember = _cardmember(request.user)
    acceptance = latest_acceptance(cardmember) if cardmember else None
    schedules = []
    for market in _markets(request.user):
        schedule = _schedule(market)
        if schedule is not None:
            schedules.append({"schedule": schedule, "lines": fee_lines(schedule, get_language() or "en")})
    companies = visible_companies(request.user).filter(administrators__user=request.user).order_by("number")
    return render(request, "portal/documents/terms.html", {
        "terms": current, "text": terms_text(current, language) if current else None, "language": language,
        "cardmember": cardmember, "acceptance": acceptance,
        "accepted_current": bool(acceptance and current and acceptance.terms_id == current.pk),
        "schedules": schedules, "companies": companies,
    })


@login_required
@require_POST
def terms_accept_view(request: HttpRequest) -> HttpResponse:
    cardmember = _cardmember(request.user)
    if cardmember is None:
        raise Http404
    version = get_object_or_404(TermsVersion, version=request.POST.get("version") or 0)
    try:
        terms_accept(cardmember=cardmember, terms=version, at=clock.now())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you: you accepted version %(version)s of the terms.")
                         % {"version": version.version})
    return redirect("portal:terms")


@login_required
def terms_pdf(request: HttpRequest, version: int) -> HttpResponse:
    terms_version = get_object_or_404(TermsVersion.objects.prefetch_related("texts"), version=version,
                                      effective_from__lte=clock.today())
    language = _language(request)
    text = terms_text(terms_version, language)
    if text is None:
        raise Http404
    return _pdf(render_terms_pdf(terms_version, text, language=text.language),
                f"terms-v{terms_version.version}-{text.language}.pdf")


@login_required
def fee_schedule_pdf(request: HttpRequest, market: str) -> HttpResponse:
    if market not in _markets(request.user):
        raise Http404
    schedule = _schedule(market)
    if schedule is None:
        raise Http404
    language = get_language() or "en"
    return _pdf(render_fee_schedule_pdf(schedule, language=language),
                f"fees-{market}-{schedule.effective_from:%Y-%m-%d}.pdf")


@login_required
def company_terms(request: HttpRequest, number: str) -> HttpResponse:
    companies = visible_companies(request.user).filter(administrators__user=request.user)
    company: Company = get_object_or_404(companies, number=number)
    page = Paginator(company_acceptances(company), ACCEPTANCES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/documents/company_terms.html", {
        "company": company, "page": page, "current": terms_in_force(on=clock.today()),
    })


def _issuers(request: HttpRequest) -> list:
    """The issuer's details of the reader's markets, in their language: how to pay and whom to call
    (SPEC section 15; issue 16 item 11)."""
    found = issuer_details_by_market(on=clock.today())
    return [issuer_contact(found[market], language=_language(request))
            for market in _markets(request.user) if market in found]


@login_required
def help_index(request: HttpRequest) -> HttpResponse:
    pa_or_ops_or_404(request.user)
    return render(request, "portal/help/index.html", {"pages": HELP_PAGES, "issuers": _issuers(request)})


@login_required
def help_page(request: HttpRequest, slug: str) -> HttpResponse:
    pa_or_ops_or_404(request.user)
    if slug not in HELP_PAGES:
        raise Http404
    template = select_template([f"portal/help/{slug.replace('-', '_')}.html"])
    return HttpResponse(template.render({"pages": HELP_PAGES, "slug": slug, "issuers": _issuers(request)}, request))
