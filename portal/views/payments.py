"""Payments and their allocation, and credit-balance refunds, in the portal (SPEC section 9; PA sheet:
payment allocation, credit-balance refunds).

An account's page shows each payment and credit with the statements it paid (oldest billed first,
terms §13e) and what is still unpaid of each statement; the company's page shows its payments and
how a company payment was split across its centrally billed accounts. A PA may ask for an account's
credit balance to be refunded to the company's bank account. Scoped by accounts.selectors: another
company's account or company is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import Role, visible_account_with_actor
from accounts.roles import REFUND_CREDIT_BALANCE, ops_may
from amexprog.common.errors import ApplicationError
from charges.credit_refunds import booking_day, credit_refund_request
from charges.payment_allocation import account_payment_allocation, company_payments
from disputes.selectors import open_temporary_credit
from ledger.selectors import account_balance
from portal.selectors import administered_company_or_404


@login_required
def account_payments(request: HttpRequest, number: str) -> HttpResponse:
    account, actor = visible_account_with_actor(request.user, number, permission="charges.view_payment")
    on = booking_day()
    balance = account_balance(account=account).amount
    # Issue 15 item 5 (SPEC section 17): temporary dispute credits are not refundable while open.
    provisional = open_temporary_credit(account=account) if balance < 0 else 0
    return render(request, "portal/payments/account.html", {
        "account": account, "allocation": account_payment_allocation(account=account, as_of=on),
        "balance": balance, "administers": actor.role in (Role.COMPANY, Role.ISSUER),
        "may_refund": -balance > provisional and (actor.role == Role.COMPANY
                                                  or ops_may(request.user, REFUND_CREDIT_BALANCE)),
        "provisional": provisional,
    })


@login_required
@require_POST
def account_credit_refund(request: HttpRequest, number: str) -> HttpResponse:
    account, actor = visible_account_with_actor(request.user, number, permission=REFUND_CREDIT_BALANCE)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the refund."))
        return redirect("portal:account_payments", number=account.number)
    try:
        posting = credit_refund_request(account=account, by=actor, on=booking_day())
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The credit balance of %(amount)s %(currency)s is being paid to the company's "
                                    "bank account %(iban)s.") % {
            "amount": posting.amount.amount, "currency": account.currency, "iban": account.company.iban})
    return redirect("portal:account_payments", number=account.number)


@login_required
def company_payments_page(request: HttpRequest, number: str) -> HttpResponse:
    company = administered_company_or_404(request.user, number)
    return render(request, "portal/payments/company.html", {"company": company,
                                                             "rows": company_payments(company=company)})
