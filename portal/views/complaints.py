"""Complaints in the portal (SPEC section 12, terms §21b–d): a cardmember complains about their own
account, a PA about the company or one of its accounts; both see their complaints, the date the
answer is due and the final answer. Another person's complaint is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from accounts.models import Account
from accounts.selectors import visible_companies
from amexprog.common.errors import ApplicationError
from complaints.models import Complaint
from complaints.selectors import visible_complaints
from complaints.services import authorities_text, complaint_open
from disputes.services import case_day
from portal.templatetags.portal_format import local_date

RECEIVED = _("Your complaint is received. We answer in writing by {due}.")


class ComplaintForm(forms.Form):
    about = forms.ChoiceField(label=_("About"))
    topic = forms.ChoiceField(label=_("Topic"), choices=Complaint.Topic.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea, max_length=10000)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["about"].choices = choices


def _choices(user) -> dict[str, tuple]:
    """What the signed-in person may complain about: their companies, and the accounts they hold or administer."""
    about: dict[str, tuple] = {}
    for company in visible_companies(user).order_by("number"):
        about[f"company:{company.pk}"] = (str(_("Company {name} ({number})")).format(name=company.legal_name,
                                                                                      number=company.number),
                                          company, None)
    own = Account.objects.filter(cardmember__user=user).select_related("company", "cardmember")
    for account in own:
        about[f"account:{account.pk}"] = (str(_("My account {number}")).format(number=account.number),
                                          account.company, account)
    return about


@login_required
def complaints(request: HttpRequest) -> HttpResponse:
    about = _choices(request.user)
    form = ComplaintForm(request.POST or None, choices=[(key, label) for key, (label, _c, _a) in about.items()])
    if request.method == "POST" and form.is_valid():
        _label, company, account = about[form.cleaned_data["about"]]
        try:
            complaint = complaint_open(user=request.user, company=company, account=account,
                                       topic=form.cleaned_data["topic"], subject=form.cleaned_data["subject"],
                                       description=form.cleaned_data["description"], on=case_day())
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, str(RECEIVED).format(due=local_date(complaint.answer_due_on)))
            return redirect("portal:complaint_detail", pk=complaint.pk)
    listed = visible_complaints(request.user).select_related("company", "account").order_by("-opened_at", "-id")
    return render(request, "portal/complaints/list.html", {"complaints": listed[:100], "form": form,
                                                           "may_open": bool(about)})


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(visible_complaints(request.user).select_related("company", "account"), pk=pk)
    return render(request, "portal/complaints/detail.html", {
        "complaint": complaint, "authorities": authorities_text(complaint.company.market),
    })
