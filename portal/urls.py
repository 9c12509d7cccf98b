from django.contrib.auth import views as auth_views
from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("pa/", views.pa_home, name="pa_home"),
    path("pa/companies/<str:number>/", views.company_detail, name="company_detail"),
    path("me/", views.cardmember_home, name="cardmember_home"),
]

# Card ordering (SPEC section 11).
from portal import views_orders  # noqa: E402

urlpatterns += [
    path("pa/companies/<str:number>/orders/new/", views_orders.order_new, name="order_new"),
    path("pa/companies/<str:number>/orders/upload/", views_orders.order_upload, name="order_upload"),
]
