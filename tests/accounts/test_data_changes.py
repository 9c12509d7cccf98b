"""accounts.data_changes: cardmember and company data changes and PAs, each audited (SPEC sections 1, 3)."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.audit import Actor, Role
from accounts.data_changes import (
    BIC_COUNTRY_MISMATCH,
    PA_LAST,
    cardmember_update,
    company_pa_add,
    company_pa_remove,
    company_update,
)
from accounts.models import AuditEntry, Company, ProgrammeAdministrator
from amexprog.common.errors import ApplicationError
from tests.accounts.factories import UserFactory
from tests.accounts.second_person import approve_pending

ON = dt.date(2026, 3, 2)


@pytest.fixture
def pa_actor(alice):
    return Actor(role=Role.COMPANY, label="user:alice", user_id=alice.pk)


def test_cardmember_update_saves_and_audits_only_the_changed_fields(bob_account, pa_actor):
    cardmember = bob_account.cardmember
    cardmember.contact_valid = False
    cardmember.save()
    old_email = cardmember.email
    cardmember_update(cardmember=cardmember, by=pa_actor, on=ON, email=" bob.new@example.com ", phone="",
                      city="Aarhus", cost_centre="CC-42", language="en")
    cardmember.refresh_from_db()
    assert (cardmember.email, cardmember.city, cardmember.cost_centre, cardmember.language) == (
        "bob.new@example.com", "Aarhus", "CC-42", "en")
    assert cardmember.contact_valid  # a corrected address sends notices again (SPEC section 15)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CARDMEMBER_UPDATED)
    assert entry.account == bob_account and entry.company == bob_account.company and entry.on == ON
    assert entry.actor == "user:alice"
    changes = entry.details["changes"]
    assert changes["email"] == {"before": old_email, "after": "bob.new@example.com"}
    assert changes["cost_centre"] == {"before": "", "after": "CC-42"}
    assert changes["contact_valid"] == {"before": False, "after": True}
    assert "phone" not in changes  # unchanged (empty before and after)


def test_cardmember_update_with_nothing_changed_writes_no_audit(bob_account, pa_actor):
    cardmember_update(cardmember=bob_account.cardmember, by=pa_actor, on=ON, city=bob_account.cardmember.city)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"email": "not-an-email"}, "email"),
    ({"language": "nl"}, "language"),  # a Danish company's cardmember: da or en
    ({"country": "Denmark"}, "country"),
    ({"phone": "1" * 40}, "phone"),
])
def test_cardmember_update_refuses_bad_values_and_saves_nothing(bob_account, pa_actor, changes, field):
    with pytest.raises(ApplicationError) as exc:
        cardmember_update(cardmember=bob_account.cardmember, by=pa_actor, on=ON, city="Odense", **changes)
    assert field in exc.value.extra["fields"]
    bob_account.cardmember.refresh_from_db()
    assert bob_account.cardmember.city != "Odense"
    assert not AuditEntry.objects.exists()


def test_holder_changes_contact_data_but_not_cost_centre_or_name(bob_account, bob):
    holder = Actor(role=Role.HOLDER, label="user:bob", user_id=bob.pk)
    cardmember_update(cardmember=bob_account.cardmember, by=holder, on=ON, phone="+45 1234 5678")
    for changes in ({"cost_centre": "X"}, {"first_name": "Robert"}):
        with pytest.raises(ApplicationError):
            cardmember_update(cardmember=bob_account.cardmember, by=holder, on=ON, **changes)
    bob_account.cardmember.refresh_from_db()
    assert bob_account.cardmember.phone == "+45 1234 5678"
    assert bob_account.cardmember.cost_centre == ""


def test_company_update_normalises_iban_and_bic_and_audits(company_a, pa_actor):
    # Issue 15 item 5 changed this test deliberately: the bank details apply once a second person approves.
    company_update(company=company_a, by=pa_actor, on=ON, iban="dk50 0040 0440 1162 43", bic="daba dk kk",
                   authorised_signatories="Mette Nordlys (CFO)\n\n  Ole Hansen  ", city="København")
    approve_pending(company_a)
    company_a.refresh_from_db()
    assert company_a.iban == "DK5000400440116243"
    assert company_a.bic == "DABADKKK"
    assert company_a.authorised_signatories == ["Mette Nordlys (CFO)", "Ole Hansen"]
    signatories, bank = AuditEntry.objects.filter(action=AuditEntry.Action.COMPANY_UPDATED).order_by("id")
    assert bank.details["changes"]["iban"] == {"before": "", "after": "DK5000400440116243"}
    assert signatories.details["changes"]["authorised_signatories"]["after"] == ["Mette Nordlys (CFO)", "Ole Hansen"]


@pytest.mark.parametrize(("changes", "code"), [
    ({"iban": "DK5000400440116244"}, "invalid_iban"),  # wrong check digits
    ({"iban": "XX5000400440116243"}, "invalid_iban"),
    ({"iban": "DK5000400440116243", "bic": "DABAXXKK"}, "invalid_bic"),
    ({"iban": "DK5000400440116243", "bic": "GEBABEBB"}, "invalid_bic"),  # a Belgian bank for a Danish IBAN
    ({"authorised_signatories": []}, "invalid"),
])
def test_company_update_refuses_bad_bank_details_and_saves_nothing(company_a, pa_actor, changes, code):
    with pytest.raises(ApplicationError) as exc:
        company_update(company=company_a, by=pa_actor, on=ON, city="Vejle", **changes)
    assert exc.value.code == code
    company_a.refresh_from_db()
    assert (company_a.iban, company_a.city) == ("", "")
    assert not AuditEntry.objects.exists()


def test_bic_of_another_country_says_which(company_a, pa_actor):
    with pytest.raises(ApplicationError) as exc:
        company_update(company=company_a, by=pa_actor, on=ON, iban="DK5000400440116243", bic="GEBABEBB")
    assert exc.value.message == str(BIC_COUNTRY_MISMATCH) % {"bic": "BE", "iban": "DK"}


def test_holder_cannot_change_company_data(company_a, bob):
    with pytest.raises(ApplicationError) as exc:
        company_update(company=company_a, by=Actor(role=Role.HOLDER, label="user:bob"), on=ON, city="X")
    assert exc.value.status == 403


def test_pa_add_existing_user_and_new_user_then_remove(company_a, alice, carol, pa_actor):
    # Issue 15 item 5 changed this test deliberately: a new PA is one once a second person approves.
    company_pa_add(company=company_a, email="CAROL@example.com", by=pa_actor, on=ON)
    approve_pending(company_a)
    assert company_a.administrators.filter(user=carol).exists()
    assert carol.pa.companies.count() == 2  # carol keeps company B
    company_pa_add(company=company_a, email="new.pa@example.com", by=pa_actor, on=ON)
    approve_pending(company_a)
    pa = ProgrammeAdministrator.objects.get(user__email="new.pa@example.com")
    assert pa.user.email == "new.pa@example.com" and not pa.user.has_usable_password()
    with pytest.raises(ApplicationError) as exc:
        company_pa_add(company=company_a, email="new.pa@example.com", by=pa_actor, on=ON)
    assert exc.value.code == "already_administrator"
    company_pa_remove(company=company_a, email="carol@example.com", by=pa_actor, on=ON)
    assert not company_a.administrators.filter(user=carol).exists()
    assert carol.pa.companies.get().number == "10002"
    actions = list(AuditEntry.objects.filter(action__in=("pa_added", "pa_removed")).order_by("id")
                   .values_list("action", "details__email"))
    assert actions == [("pa_added", "carol@example.com"), ("pa_added", "new.pa@example.com"),
                       ("pa_removed", "carol@example.com")]


def test_pa_add_refuses_staff_and_bad_email(company_a, alice, pa_actor):
    """A bad address is refused at once; a staff address when the change would apply (issue 15 item 12:
    the asker is not told whose address it is)."""
    UserFactory(username="ops", email="ops@example.com", is_staff=True)
    with pytest.raises(ApplicationError) as exc:
        company_pa_add(company=company_a, email="nope", by=pa_actor, on=ON)
    assert exc.value.code == "invalid"
    company_pa_add(company=company_a, email="ops@example.com", by=pa_actor, on=ON)
    with pytest.raises(ApplicationError) as exc:
        approve_pending(company_a)
    assert exc.value.code == "not_allowed"
    assert company_a.administrators.count() == 1


def test_last_pa_cannot_be_removed(company_a, alice, pa_actor):
    with pytest.raises(ApplicationError) as exc:
        company_pa_remove(company=company_a, email="alice@example.com", by=pa_actor, on=ON)
    assert exc.value.message == str(PA_LAST)
    assert Company.objects.get(pk=company_a.pk).administrators.count() == 1
    assert ProgrammeAdministrator.objects.get(user=alice).companies.count() == 1


def test_pa_add_finds_a_user_by_login_name_too(company_a, alice, pa_actor):
    user = UserFactory(username="ida@alpha.dk", email="")
    company_pa_add(company=company_a, email="Ida@alpha.dk", by=pa_actor, on=ON)
    approve_pending(company_a)  # issue 15 item 5: a new PA waits for a second person
    pa = ProgrammeAdministrator.objects.get(user=user)
    assert pa.user == user
