"""Every endpoint under /api/v1/: one router for the resources, explicit paths for the rest.

Add a resource by registering its viewset below; nested read-only lists and the network-facing
authorization call are plain paths, listed first so they take precedence over router patterns.
"""

from django.conf import settings
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.apis import AccountViewSet, CardmemberViewSet, CardViewSet, CompanyViewSet
from accounts.audit_apis import AuditEntryViewSet, EmbossingOrderViewSet
from accounts.change_request_apis import ChangeRequestViewSet
from accounts.import_apis import CompanyFileView
from accounts.rules_apis import ProgrammeRulesViewSet
from audit.apis import CardmemberDataExportView
from charges.activity_apis import FxRateViewSet, HoldViewSet
from charges.apis import ChargeFileViewSet, PaymentFileViewSet
from charges.authorization_apis import AuthorizationSlashView, AuthorizationView, WhoAmIView
from charges.payment_apis import AccountCreditRefundView, AccountPaymentAllocationView, CompanyPaymentListView
from charges.transaction_apis import TransactionListView
from communications.apis import NoticeViewSet
from communications.rule_change_apis import AccountRuleChangeRejectView, AccountRuleChangesView
from complaints.apis import ComplaintAuthorityViewSet, ComplaintViewSet
from disputes.apis import (
    DisputeEvidenceFileView,
    DisputeViewSet,
    RefundRequestEvidenceFileView,
    RefundRequestViewSet,
)
from disputes.incident_apis import IncidentViewSet
from disputes.recurring_stop_apis import CardRecurringStopDetailView, CardRecurringStopsView
from disputes.rules_apis import DisputeRulesViewSet
from events.apis import EventListSlashView, EventListView, WebhookEndpointViewSet
from fees.apis import FeeScheduleViewSet, InterestAccrualViewSet, ReferenceRateViewSet, ReminderViewSet
from fees.collection_apis import CollectionCostViewSet
from ledger.apis import AccountPostingListView
from ledger.ops_apis import JournalEntryViewSet, LedgerAccountViewSet
from liability.apis import ChargePersonalView, ChargeReimbursedView, CompanyPersonalChargeListView
from rewards.apis import EnrolmentViewSet, ExportBatchViewSet, PointsPostingViewSet, PointsRuleViewSet
from statements.apis import AccountStatementListView, CompanyStatementViewSet, StatementViewSet
from statements.report_apis import CompanyReportView

router = DefaultRouter()
# Parties, accounts and cards (SPEC section 3); lifecycle actions and controls live on these viewsets.
router.register("companies", CompanyViewSet, basename="company")
router.register("cardmembers", CardmemberViewSet, basename="cardmember")
router.register("accounts", AccountViewSet, basename="account")
router.register("cards", CardViewSet, basename="card")
# Bank details, new PAs and higher limits wait for a second person (SPEC section 17).
router.register("change-requests", ChangeRequestViewSet, basename="change-request")
# The programme's timing and ceilings as versioned data (SPEC preamble, sections 9-11).
router.register("programme-rules", ProgrammeRulesViewSet, basename="programme-rules")
# Files from the network and the bank (SPEC sections 5, 9).
router.register("charge-files", ChargeFileViewSet, basename="charge-file")
router.register("payment-files", PaymentFileViewSet, basename="payment-file")
# Statements (SPEC sections 9, 16).
router.register("statements", StatementViewSet, basename="statement")
router.register("company-statements", CompanyStatementViewSet, basename="company-statement")
# Disputes and refund requests (SPEC section 12).
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("refund-requests", RefundRequestViewSet, basename="refund-request")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("dispute-rules", DisputeRulesViewSet, basename="dispute-rules")
router.register("collection-costs", CollectionCostViewSet, basename="collection-cost")
# Complaints about the issuer's service or an account (SPEC section 12, terms §21b–d).
router.register("complaints", ComplaintViewSet, basename="complaint")
router.register("complaint-authorities", ComplaintAuthorityViewSet, basename="complaint-authority")
# SAS EuroBonus (SPEC section 13).
router.register("eurobonus/enrolments", EnrolmentViewSet, basename="eurobonus-enrolment")
router.register("eurobonus/points", PointsPostingViewSet, basename="eurobonus-points")
router.register("eurobonus/batches", ExportBatchViewSet, basename="eurobonus-batch")
router.register("eurobonus/points-rules", PointsRuleViewSet, basename="eurobonus-points-rule")
# Notices to holders and PAs, returned mail (SPEC section 15).
router.register("notices", NoticeViewSet, basename="notice")
# Holds (SPEC section 10), rates and fees (SPEC sections 6-8), the audit log (SPEC section 1).
router.register("holds", HoldViewSet, basename="hold")
router.register("fx-rates", FxRateViewSet, basename="fx-rate")
router.register("fee-schedules", FeeScheduleViewSet, basename="fee-schedule")
router.register("reference-rates", ReferenceRateViewSet, basename="reference-rate")
router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")
router.register("reminders", ReminderViewSet, basename="reminder")
router.register("embossing-orders", EmbossingOrderViewSet, basename="embossing-order")
router.register("interest-accruals", InterestAccrualViewSet, basename="interest-accrual")
# The general ledger (SPEC section 4), ops only.
router.register("ledger/entries", JournalEntryViewSet, basename="ledger-entry")
router.register("ledger/accounts", LedgerAccountViewSet, basename="ledger-account")
# Webhook endpoints a company registers for its events (SPEC section 16).
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")

urlpatterns = [
    # A cardmember's data (SPEC section 15): access and portability.
    path("cardmembers/<int:pk>/export/", CardmemberDataExportView.as_view(), name="cardmember-export"),
    path("accounts/<str:number>/statements/", AccountStatementListView.as_view(), name="account-statements"),
    path("accounts/<str:number>/postings/", AccountPostingListView.as_view(), name="account-postings"),
    path("disputes/<int:pk>/evidence/<int:evidence_id>/file/", DisputeEvidenceFileView.as_view(),
         name="dispute-evidence-file"),
    path("refund-requests/<int:pk>/evidence/<int:evidence_id>/file/", RefundRequestEvidenceFileView.as_view(),
         name="refund-request-evidence-file"),
    # Authorization (SPEC section 10): exactly /api/v1/authorizations as the network calls it, and
    # with a trailing slash like every other route.
    path("authorizations", AuthorizationView.as_view(), name="authorizations"),
    path("authorizations/", AuthorizationSlashView.as_view()),
    path("whoami", WhoAmIView.as_view(), name="whoami"),
    # The company-wide transactions, postings and authorizations (SPEC 16, 18; issue 18 item 6).
    path("transactions", TransactionListView.as_view(), name="transactions"),
    # A company's events in order, for incremental sync and to catch up after webhooks (SPEC section 16).
    path("events", EventListView.as_view(), name="events"),
    path("events/", EventListSlashView.as_view()),
    # Company files (SPEC sections 11, 16): what `manage.py import_companies` does, for ops.
    path("company-files/", CompanyFileView.as_view(), name="company-files"),
    # Reports and data files (SPEC section 14).
    path("companies/<str:number>/reports/<slug:name>.<slug:file_format>", CompanyReportView.as_view(),
         name="company-report"),
    # Payments and credit-balance refunds (SPEC section 9), personal charges (terms §12a-ii).
    path("accounts/<str:number>/payment-allocation/", AccountPaymentAllocationView.as_view(),
         name="account-payment-allocation"),
    path("accounts/<str:number>/credit-refund/", AccountCreditRefundView.as_view(), name="account-credit-refund"),
    # Changes of terms and rules an account may reject until they apply (terms §25b, SPEC section 15).
    path("accounts/<str:number>/rule-changes/", AccountRuleChangesView.as_view(), name="account-rule-changes"),
    path("accounts/<str:number>/rule-changes/<int:change_id>/reject/", AccountRuleChangeRejectView.as_view(),
         name="account-rule-change-reject"),
    path("cards/<int:pk>/recurring-stops/", CardRecurringStopsView.as_view(), name="card-recurring-stops"),
    path("cards/<int:pk>/recurring-stops/<int:stop_id>/", CardRecurringStopDetailView.as_view(),
         name="card-recurring-stop-detail"),
    path("charges/<int:pk>/personal/", ChargePersonalView.as_view(), name="charge-personal"),
    # SPEC section 3, issue 16 item 12: the company marks a charge it already reimbursed.
    path("charges/<int:pk>/reimbursed/", ChargeReimbursedView.as_view(), name="charge-reimbursed"),
    path("companies/<str:number>/payments/", CompanyPaymentListView.as_view(), name="company-payments"),
    path("companies/<str:number>/personal-charges/", CompanyPersonalChargeListView.as_view(),
         name="company-personal-charges"),
    *router.urls,
]

# The sandbox (SPEC section 16): development and test settings only. Production does not route it at all.
if settings.SANDBOX_ENABLED:
    urlpatterns.insert(0, path("sandbox/", include("sandbox.urls")))
