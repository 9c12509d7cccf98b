"""The sandbox's routes under /api/v1/sandbox/ (SPEC section 16): included by amexprog.api_urls only where
settings.SANDBOX_ENABLED, never in production."""

from django.urls import path

from sandbox import apis

urlpatterns = [
    path("authorizations/", apis.SandboxAuthorizeView.as_view(), name="sandbox-authorize"),
    path("authorizations/<str:transaction_id>/clear/", apis.SandboxClearView.as_view(),
         name="sandbox-authorization-clear"),
    path("authorizations/<str:transaction_id>/expire/", apis.SandboxExpireView.as_view(),
         name="sandbox-hold-expire"),
    path("payments/", apis.SandboxPaymentView.as_view(), name="sandbox-payments"),
    path("business-date/advance/", apis.SandboxAdvanceView.as_view(), name="sandbox-business-date-advance"),
]
