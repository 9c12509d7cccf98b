"""EuroBonus in the demo (seed_demo): Bob joined with his card order, Karl has asked and waits for
alice's decision, so the portal shows the fee, points per statement and a request to decide."""

from __future__ import annotations

import datetime as dt

from accounts.models import Account
from rewards.models import Enrolment
from rewards.services import enrolment_enrol_by_card_order, enrolment_request

# (company, employee id, EuroBonus number, enrolled by the card order?)
DEMO_MEMBERS = [("10001", "E-001", "EBS100200300", True), ("10001", "E-003", "EBS400500600", False)]


def eurobonus_demo_seed(*, on: dt.date) -> list[str]:
    created = []
    for company, employee_id, number, by_card_order in DEMO_MEMBERS:
        account = Account.objects.filter(company__number=company, cardmember__employee_id=employee_id).first()
        if account is None or Enrolment.objects.filter(account=account).exists():
            continue
        if by_card_order:
            enrolment_enrol_by_card_order(account=account, member_number=number, on=on)
            created.append(f"EuroBonus enrolment {number} for account {account.number}")
        else:
            enrolment_request(account=account, member_number=number, on=on, by=account.cardmember.user)
            created.append(f"EuroBonus request {number} for account {account.number}, awaiting the PA")
    return created
