"""The project's URLs plus probe views that write the three ways the audit trail must catch:
a model save, a queryset update() and bulk_create(); one for a signed-in user, one for an API token."""

from celery import shared_task
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Cardmember, Company
from amexprog.urls import urlpatterns as project_urlpatterns


@shared_task(name="tests.audit.probe_task")
def probe_task(op: str, number: str) -> None:
    write(op, number)


def write(op: str, company_number: str) -> None:
    if op == "task":  # through a Celery task (eager in tests)
        probe_task.delay("update", company_number)
        return
    company = Company.objects.get(number=company_number)
    if op == "save":
        company.legal_name = "Saved A/S"
        company.save(update_fields=["legal_name"])
    elif op == "update":
        Cardmember.objects.filter(company=company).update(cost_centre="CC-update")
    elif op == "bulk_create":
        Cardmember.objects.bulk_create([
            Cardmember(company=company, employee_id=f"BULK{i}", first_name="Bulk", last_name=str(i),
                       email=f"bulk{i}@example.com")
            for i in range(2)
        ])


@csrf_exempt
def portal_probe(request, op: str, number: str):
    write(op, number)
    return JsonResponse({"ok": True})


class ApiProbe(APIView):
    def post(self, request, op: str, number: str):
        write(op, number)
        return Response({"ok": True})


urlpatterns = [
    path("audit-probe/<str:op>/<str:number>/", portal_probe),
    path("api/v1/audit-probe/<str:op>/<str:number>/", ApiProbe.as_view()),
    *project_urlpatterns,
]
