from django.contrib.auth import views as auth_views
from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("pa/", views.pa_home, name="pa_home"),
    path("me/", views.cardmember_home, name="cardmember_home"),
]

# Card ordering (SPEC section 11).
from portal.views import orders as views_orders  # noqa: E402

urlpatterns += [
    path("pa/companies/<str:number>/orders/new/", views_orders.order_new, name="order_new"),
    path("pa/companies/<str:number>/orders/upload/", views_orders.order_upload, name="order_upload"),
]

# Statements and transactions (SPEC sections 9, 14, 15): scoped by accounts.selectors.
from portal.views import statements as views_statements  # noqa: E402
from portal.views import transactions as views_transactions  # noqa: E402

urlpatterns += [
    path("accounts/<str:number>/statements/", views_statements.account_statements, name="account_statements"),
    path("accounts/<str:number>/transactions/", views_transactions.account_transactions_page,
         name="account_transactions"),
    path("statements/<int:pk>/", views_statements.statement_detail, name="statement_detail"),
    path("statements/<int:pk>/pdf/", views_statements.statement_pdf, name="statement_pdf"),
    path("pa/companies/<str:number>/statements/", views_statements.company_statements, name="company_statements"),
    path("company-statements/<int:pk>/", views_statements.company_statement_detail, name="company_statement_detail"),
    path("company-statements/<int:pk>/pdf/", views_statements.company_statement_pdf, name="company_statement_pdf"),
]

# SAS EuroBonus (SPEC section 13): scoped by accounts.selectors through rewards.selectors.
from portal.views import rewards as views_rewards  # noqa: E402

urlpatterns += [
    path("accounts/<str:number>/eurobonus/", views_rewards.account_eurobonus, name="account_eurobonus"),
    path("pa/companies/<str:number>/eurobonus/", views_rewards.company_eurobonus, name="company_eurobonus"),
    path("eurobonus/enrolments/<int:pk>/<str:verb>/", views_rewards.enrolment_decide, name="eurobonus_decide"),
    path("eurobonus/exports/", views_rewards.eurobonus_exports, name="eurobonus_exports"),
]

# Cards, spending controls and the card lifecycle (SPEC sections 10, 11).
from portal.views import bulk as views_bulk  # noqa: E402
from portal.views import cards as views_cards  # noqa: E402
from portal.views import controls as views_controls  # noqa: E402

urlpatterns += [
    path("pa/companies/<str:number>/cards/", views_cards.company_cards, name="company_cards"),
    # SPEC 18, issue 19 item 5: bulk actions on selected cards, previewed and confirmed, all or nothing.
    path("pa/companies/<str:number>/cards/bulk/", views_bulk.company_cards_bulk, name="company_cards_bulk"),
    path("pa/companies/<str:number>/controls/", views_controls.company_controls, name="company_controls"),
    path("pa/companies/<str:number>/terminate/", views_cards.company_terminate, name="company_terminate"),
    path("cards/<int:pk>/", views_cards.card_detail, name="card_detail"),
    path("cards/<int:pk>/controls/", views_controls.card_controls, name="card_controls"),
    path("cards/<int:pk>/recurring-stops/", views_cards.card_recurring_stop_add, name="card_recurring_stop_add"),
    path("cards/<int:pk>/recurring-stops/<int:stop_id>/revoke/", views_cards.card_recurring_stop_revoke,
         name="card_recurring_stop_revoke"),
    path("cards/<int:pk>/<str:action>/", views_cards.card_action, name="card_action"),
    path("accounts/<str:number>/close/", views_cards.account_close, name="account_close"),
]

# Disputes and refund requests (SPEC section 12): scoped by disputes.selectors.
from portal.views import disputes as views_disputes  # noqa: E402

urlpatterns += [
    path("accounts/<str:number>/disputes/", views_disputes.account_disputes, name="account_disputes"),
    path("pa/companies/<str:number>/disputes/", views_disputes.company_disputes, name="company_disputes"),
    path("charges/<int:pk>/dispute/", views_disputes.dispute_new, name="dispute_new"),
    path("charges/<int:pk>/refund-request/", views_disputes.refund_request_new, name="refund_request_new"),
    path("disputes/<int:pk>/", views_disputes.dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/withdraw/", views_disputes.dispute_withdraw, name="dispute_withdraw"),
    path("disputes/<int:pk>/evidence/<int:evidence_id>/", views_disputes.dispute_evidence_file,
         name="dispute_evidence_file"),
    path("refund-requests/<int:pk>/", views_disputes.refund_request_detail, name="refund_request_detail"),
    path("refund-requests/<int:pk>/withdraw/", views_disputes.refund_request_withdraw,
         name="refund_request_withdraw"),
    path("refund-requests/<int:pk>/evidence/<int:evidence_id>/", views_disputes.refund_request_evidence_file,
         name="refund_request_evidence_file"),
]

# Reports and data files (SPEC section 14): only the companies a PA administers.
from portal.views import reports as views_reports  # noqa: E402

urlpatterns += [
    path("pa/companies/<str:number>/reports/", views_reports.company_reports, name="company_reports"),
    path("pa/companies/<str:number>/reports/<slug:name>.<slug:file_format>", views_reports.company_report_download,
         name="company_report_download"),
]

# Login security (issue #8): the TOTP step, password reset by email, a PA unlocking locked logins.
from portal.views import enrolment as views_enrolment  # noqa: E402
from portal.views import security as views_security  # noqa: E402

urlpatterns += [
    path("login/otp/", views_security.otp_step, name="otp"),
    path("login/otp/setup/", views_enrolment.otp_setup, name="otp_setup"),
    path("login/otp/enrol/<uidb64>/<token>/", views_enrolment.otp_enrol, name="otp_enrol"),
    path("password-reset/", views_security.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views_security.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views_security.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password-reset/complete/", views_security.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("pa/companies/<str:number>/locked-logins/", views_security.company_locked_logins,
         name="company_locked_logins"),
    path("pa/companies/<str:number>/locked-logins/<int:pk>/unlock/", views_security.cardmember_unlock,
         name="cardmember_unlock"),
]

# Complaints about the issuer's service or an account (SPEC section 12, terms §21b–d).
from portal.views import complaints as views_complaints  # noqa: E402

urlpatterns += [
    path("complaints/", views_complaints.complaints, name="complaints"),
    path("complaints/<int:pk>/", views_complaints.complaint_detail, name="complaint_detail"),
]

# Notices, terms and fee schedules, the PA guide (SPEC section 15; terms §1, §18, §20, §25).
from portal.views import documents as views_documents  # noqa: E402
from portal.views import notices as views_notices  # noqa: E402

urlpatterns += [
    path("notices/", views_notices.inbox, name="inbox"),
    path("notices/<int:pk>/", views_notices.notice_detail, name="notice_detail"),
    path("terms/", views_documents.terms, name="terms"),
    path("terms/accept/", views_documents.terms_accept_view, name="terms_accept"),
    path("terms/<int:version>/pdf/", views_documents.terms_pdf, name="terms_pdf"),
    path("fees/<str:market>/pdf/", views_documents.fee_schedule_pdf, name="fee_schedule_pdf"),
    path("pa/companies/<str:number>/terms/", views_documents.company_terms, name="company_terms"),
    path("help/", views_documents.help_index, name="help_index"),
    path("help/<slug:slug>/", views_documents.help_page, name="help_page"),
]

# The company dashboard, company data and PAs, cardmembers and their data (issue 8, PA sheet).
from portal.views import cardmembers as views_cardmembers  # noqa: E402
from portal.views import company as views_company  # noqa: E402

urlpatterns += [
    path("pa/companies/<str:number>/", views_company.company_detail, name="company_detail"),
    path("pa/companies/<str:number>/edit/", views_company.company_edit, name="company_edit"),
    path("pa/companies/<str:number>/administrators/", views_company.company_administrators,
         name="company_administrators"),
    path("pa/companies/<str:number>/administrators/remove/", views_company.company_administrator_remove,
         name="company_administrator_remove"),
    path("pa/companies/<str:number>/cardmembers/", views_cardmembers.cardmember_list, name="company_cardmembers"),
    path("pa/companies/<str:number>/cardmembers/<int:pk>/", views_cardmembers.cardmember_detail,
         name="cardmember_detail"),
    path("pa/companies/<str:number>/cardmembers/<int:pk>/edit/", views_cardmembers.cardmember_edit,
         name="cardmember_edit"),
]

# A cardmember's data as JSON (SPEC section 15): the cardmember, their PA, ops.
from audit import views as audit_views  # noqa: E402

urlpatterns += [
    path("cardmembers/<int:pk>/data-export.json", audit_views.cardmember_data_download, name="cardmember_data_export"),
]

# Payments and their allocation, credit-balance refunds (SPEC section 9; PA sheet), and the
# cardmember's own actions: contact data, reporting a card, personal charges (terms §12a-ii).
from portal.views import cardmember as views_cardmember  # noqa: E402
from portal.views import payments as views_payments  # noqa: E402

urlpatterns += [
    path("accounts/<str:number>/payments/", views_payments.account_payments, name="account_payments"),
    path("accounts/<str:number>/credit-refund/", views_payments.account_credit_refund, name="account_credit_refund"),
    path("pa/companies/<str:number>/payments/", views_payments.company_payments_page, name="company_payments"),
    path("me/contact/", views_cardmember.contact_edit, name="contact_edit"),
    path("me/cards/<int:pk>/report/", views_cardmember.card_report_confirm, name="card_report_confirm"),
    path("charges/<int:pk>/personal/", views_cardmember.charge_personal, name="charge_personal"),
    # SPEC section 3, issue 16 item 12: the PA marks a charge the company already reimbursed.
    path("charges/<int:pk>/reimbursed/", views_transactions.charge_reimbursed, name="charge_reimbursed"),
]

# Disputes on behalf of a cardmember (PA sheet): finding the charge to dispute.
from portal.views import pa_disputes as views_pa_disputes  # noqa: E402

urlpatterns += [
    path("pa/companies/<str:number>/disputes/charges/", views_pa_disputes.company_dispute_charges,
         name="company_dispute_charges"),
]

# Changes that wait for a second person: bank details, new PAs, higher limits (SPEC section 17).
from portal.views import changes as views_changes  # noqa: E402

urlpatterns += [
    path("pa/companies/<str:number>/changes/", views_changes.company_changes, name="company_changes"),
    path("pa/companies/<str:number>/changes/<int:pk>/<slug:decision>/", views_changes.company_change_decide,
         name="company_change_decide"),
]

# Changes of terms and rules an account may reject until they apply (terms §25b, SPEC section 15).
from portal.views import rule_changes as views_rule_changes  # noqa: E402

urlpatterns += [
    path("accounts/<str:number>/changes/", views_rule_changes.account_changes, name="account_changes"),
    path("accounts/<str:number>/changes/<int:change_id>/reject/", views_rule_changes.account_change_reject,
         name="account_change_reject"),
]

# A PA's own API tokens (SPEC sections 16, 17; issue 18 item 10).
from portal.views import api_tokens as views_api_tokens  # noqa: E402

urlpatterns += [
    path("pa/companies/<str:number>/api-tokens/", views_api_tokens.company_api_tokens_page,
         name="company_api_tokens"),
    path("pa/companies/<str:number>/api-tokens/<int:pk>/revoke/", views_api_tokens.company_api_token_revoke_page,
         name="company_api_token_revoke"),
]

# One company-wide transactions list with search, filters, sorting and exports (SPEC 18, issue 19 item 3).
from portal.views import company_transactions as views_company_transactions  # noqa: E402

urlpatterns += [
    path("pa/companies/<str:number>/transactions/", views_company_transactions.company_transactions_page,
         name="company_transactions"),
]

# Webhook endpoints and their deliveries (SPEC section 16, issue 18 item 7).
from portal.views import webhooks as views_webhooks  # noqa: E402

urlpatterns += [
    path("pa/companies/<str:number>/webhooks/", views_webhooks.company_webhooks, name="company_webhooks"),
    path("pa/companies/<str:number>/webhooks/<int:pk>/", views_webhooks.company_webhook_detail,
         name="company_webhook_detail"),
    path("pa/companies/<str:number>/webhooks/<int:pk>/revoke/", views_webhooks.company_webhook_revoke,
         name="company_webhook_revoke"),
    path("pa/companies/<str:number>/webhooks/<int:pk>/rotate/", views_webhooks.company_webhook_rotate,
         name="company_webhook_rotate"),
    path("pa/companies/<str:number>/webhooks/<int:pk>/attempts/<int:attempt_id>/replay/",
         views_webhooks.company_webhook_replay, name="company_webhook_replay"),
]
