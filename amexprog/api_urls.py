"""Every endpoint under /api/v1/. Apps add their routes here."""

from rest_framework.routers import DefaultRouter

from accounts.apis import AccountViewSet, CardmemberViewSet, CardViewSet, CompanyViewSet
from charges.apis import ChargeFileViewSet

router = DefaultRouter()
router.register("companies", CompanyViewSet, basename="company")
router.register("cardmembers", CardmemberViewSet, basename="cardmember")
router.register("accounts", AccountViewSet, basename="account")
router.register("cards", CardViewSet, basename="card")
router.register("charge-files", ChargeFileViewSet, basename="charge-file")

urlpatterns = router.urls
