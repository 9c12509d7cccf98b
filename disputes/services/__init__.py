"""Every write of the disputes app (DESIGN "Where logic lives"), one module per kind of case."""

from disputes.services.common import case_day
from disputes.services.disputes import (
    dispute_evidence_add,
    dispute_open,
    dispute_resolve,
    dispute_transition,
    dispute_withdraw,
)
from disputes.services.incidents import incident_open, incident_report_date, incident_resolve, may_set_report_date
from disputes.services.refund_requests import (
    refund_request_ask_information,
    refund_request_decide,
    refund_request_evidence_add,
    refund_request_information_complete,
    refund_request_submit,
    refund_request_withdraw,
    refund_requests_flag_overdue,
)

__all__ = [
    "case_day",
    "dispute_evidence_add",
    "dispute_open",
    "dispute_resolve",
    "dispute_transition",
    "dispute_withdraw",
    "incident_open",
    "incident_report_date",
    "incident_resolve",
    "refund_request_ask_information",
    "refund_request_decide",
    "refund_request_evidence_add",
    "refund_request_information_complete",
    "refund_request_submit",
    "refund_request_withdraw",
    "refund_requests_flag_overdue",
    "may_set_report_date",
]
