"""factory_boy factories. Cards are made through the issuing service so they get real PANs."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from moneyed import Money

from accounts.models import Account, Cardmember, Company, ProgrammeAdministrator
from accounts.services import IssuedCard, card_issue

OPENED_ON = dt.date(2026, 1, 5)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("secret-pass-123")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    number = factory.Sequence(lambda n: f"{30000 + n}")
    legal_name = factory.Sequence(lambda n: f"Company {n} A/S")
    vat_number = factory.Sequence(lambda n: f"DK{10000000 + n}")
    market = "DK"
    billing_type = "individual"
    default_liability = "corporate"
    credit_limit = Money("1000000.00", "DKK")
    annual_fee = Money("650.00", "DKK")
    country = "DK"


class ProgrammeAdministratorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeAdministrator
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def companies(self, create, extracted, **kwargs):
        if create and extracted:
            self.companies.set(extracted)


class CardmemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cardmember

    company = factory.SubFactory(CompanyFactory)
    employee_id = factory.Sequence(lambda n: f"E{n:05d}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Member{n}")
    email = factory.LazyAttribute(lambda o: f"{o.employee_id.lower()}@example.com")
    language = "da"


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    number = factory.Sequence(lambda n: f"{500000000000 + n}")
    cardmember = factory.SubFactory(CardmemberFactory)
    company = factory.LazyAttribute(lambda o: o.cardmember.company)
    liability = factory.LazyAttribute(lambda o: o.company.default_liability)
    billing_type = factory.LazyAttribute(lambda o: o.company.billing_type)
    currency = factory.LazyAttribute(lambda o: o.company.currency)
    cycle_day = 5
    opened_on = OPENED_ON


def issue_card(account: Account, on: dt.date = OPENED_ON, **kwargs) -> IssuedCard:
    return card_issue(account=account, issued_on=on, **kwargs)


def ops_user(username: str, group: str | None, **fields):
    """An ops person (staff) whose powers are those of the ops group named (accounts.roles; SPEC section 17),
    or none at all when `group` is None. Staff alone gives no powers (issue 15 item 3)."""
    from django.contrib.auth.models import Group

    from accounts.roles import ops_groups_sync

    user = UserFactory(username=username, is_staff=True, **fields)
    if group is not None:
        if not Group.objects.filter(name=group).exists():
            ops_groups_sync()
        user.groups.add(Group.objects.get(name=group))
    return user
