"""Every endpoint under /api/v1/. Apps add their routes here."""

from rest_framework.routers import DefaultRouter

from accounts.apis import AccountViewSet, CardmemberViewSet, CardViewSet, CompanyViewSet
from charges.apis import ChargeFileViewSet, PaymentFileViewSet

router = DefaultRouter()
router.register("companies", CompanyViewSet, basename="company")
router.register("cardmembers", CardmemberViewSet, basename="cardmember")
router.register("accounts", AccountViewSet, basename="account")
router.register("cards", CardViewSet, basename="card")
router.register("charge-files", ChargeFileViewSet, basename="charge-file")
router.register("payment-files", PaymentFileViewSet, basename="payment-file")

# Statements (SPEC sections 9, 16) and an account's postings.
from django.urls import path  # noqa: E402

from ledger.apis import AccountPostingListView  # noqa: E402
from statements.apis import AccountStatementListView, CompanyStatementViewSet, StatementViewSet  # noqa: E402

router.register("statements", StatementViewSet, basename="statement")
router.register("company-statements", CompanyStatementViewSet, basename="company-statement")

urlpatterns = [
    path("accounts/<str:number>/statements/", AccountStatementListView.as_view(), name="account-statements"),
    path("accounts/<str:number>/postings/", AccountPostingListView.as_view(), name="account-postings"),
]
urlpatterns += router.urls

# SAS EuroBonus (SPEC section 13): enrolments, points per statement, and the SAS batches (ops).
from rest_framework.routers import SimpleRouter  # noqa: E402

from rewards.apis import EnrolmentViewSet, ExportBatchViewSet, PointsPostingViewSet  # noqa: E402

eurobonus_router = SimpleRouter()
eurobonus_router.register("eurobonus/enrolments", EnrolmentViewSet, basename="eurobonus-enrolment")
eurobonus_router.register("eurobonus/points", PointsPostingViewSet, basename="eurobonus-points")
eurobonus_router.register("eurobonus/batches", ExportBatchViewSet, basename="eurobonus-batch")
urlpatterns += eurobonus_router.urls

# Authorization (SPEC section 10): exactly /api/v1/authorizations, as the network calls it (and with
# a trailing slash, like every other route). Card, account and company lifecycle actions and spending
# controls are actions on their viewsets above (accounts/apis_cards.py).
from charges.authorization_apis import AuthorizationSlashView, AuthorizationView, WhoAmIView  # noqa: E402

urlpatterns += [
    path("authorizations", AuthorizationView.as_view(), name="authorizations"),
    path("authorizations/", AuthorizationSlashView.as_view()),
    path("whoami", WhoAmIView.as_view(), name="whoami"),
]

# Disputes, unauthorized use and refund requests (SPEC section 12). A router of their own: the one
# above has already produced its URLs.
from rest_framework.routers import SimpleRouter  # noqa: E402

from disputes.apis import (  # noqa: E402
    DisputeEvidenceFileView,
    DisputeViewSet,
    RefundRequestEvidenceFileView,
    RefundRequestViewSet,
)

disputes_router = SimpleRouter()
disputes_router.register("disputes", DisputeViewSet, basename="dispute")
disputes_router.register("refund-requests", RefundRequestViewSet, basename="refund-request")
urlpatterns += [
    path("disputes/<int:pk>/evidence/<int:evidence_id>/file/", DisputeEvidenceFileView.as_view(),
         name="dispute-evidence-file"),
    path("refund-requests/<int:pk>/evidence/<int:evidence_id>/file/", RefundRequestEvidenceFileView.as_view(),
         name="refund-request-evidence-file"),
]
urlpatterns += disputes_router.urls
