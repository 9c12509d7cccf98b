"""GET /api/v1/notices/ (SPEC section 15): a company token sees its company's notices and its
cardmembers', never another company's; filters; a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notice
from communications.services import notices_send
from tests.accounts.factories import AccountFactory, CardmemberFactory
from tests.communications.conftest import DAY, make_notice
from tests.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(alice, bob_account, dina_account, b_account):
    return {
        "company": make_notice(key="a/1", company=bob_account.company, kind=Notice.Kind.FEE_CHANGE),
        "bob": make_notice(key="a/2", cardmember=bob_account.cardmember),
        "dina": make_notice(key="a/3", cardmember=dina_account.cardmember, kind=Notice.Kind.REMINDER),
        "beta": make_notice(key="a/4", cardmember=b_account.cardmember),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_company_token_sees_its_company_and_its_cardmembers_notices(tokens, notices):
    url = reverse("notice-list")
    assert _ids(token_client(tokens.a).get(url)) == {notices[n].pk for n in ("company", "bob", "dina")}
    assert _ids(token_client(tokens.b).get(url)) == {notices["beta"].pk}
    assert _ids(token_client(tokens.ops).get(url)) == {notice.pk for notice in notices.values()}


def test_outsider_token_gets_404_on_detail(tokens, notices):
    assert token_client(tokens.b).get(reverse("notice-detail", args=[notices["bob"].pk])).status_code == 404
    own = token_client(tokens.a).get(reverse("notice-detail", args=[notices["bob"].pk]))
    assert own.status_code == 200 and own.json()["cardmember_company"] == "10001"


def test_network_token_is_refused(tokens, notices):
    assert token_client(tokens.network).get(reverse("notice-list")).status_code == 403


def test_filters(tokens, notices):
    client = token_client(tokens.a)
    url = reverse("notice-list")
    notices_send(on=DAY)
    Notice.objects.filter(pk=notices["dina"].pk).update(read_at=timezone.now())

    assert _ids(client.get(url, {"kind": "reminder"})) == {notices["dina"].pk}
    assert _ids(client.get(url, {"cardmember": notices["dina"].cardmember_id})) == {notices["dina"].pk}
    assert notices["dina"].pk not in _ids(client.get(url, {"unread": "true"}))
    assert _ids(client.get(url, {"sent": "true"})) == {notices[n].pk for n in ("company", "bob", "dina")}
    assert _ids(client.get(url, {"company": "10002"})) == set()  # another company's number finds nothing
    delivered = client.get(reverse("notice-detail", args=[notices["company"].pk])).json()["deliveries"]
    assert [row["email"] for row in delivered] == ["alice@example.com"]


@pytest.mark.parametrize("count", [2, 30])
def test_list_query_count_is_fixed(tokens, company_a, count, django_assert_max_num_queries):
    for index in range(count):
        account = AccountFactory(cardmember=CardmemberFactory(company=company_a))
        make_notice(key=f"aq/{index}", cardmember=account.cardmember)
    notices_send(on=DAY)
    with django_assert_max_num_queries(8):
        response = token_client(tokens.a).get(reverse("notice-list"))
    assert len(response.json()["results"]) == count


def test_session_users_unread_filter_and_read_at_are_their_own(client, tokens, alice, bob_account):
    """A company notice opened by one PA stays unread for another PA of the company through the API;
    an API token (no person) sees the first opening by anyone."""
    from communications.services import notice_mark_read
    from tests.accounts.factories import ProgrammeAdministratorFactory, UserFactory

    anna = ProgrammeAdministratorFactory(user=UserFactory(username="anna"), companies=[bob_account.company]).user
    notice = make_notice(key="a/pa", company=bob_account.company)
    notice_mark_read(notice=notice, user=alice)
    url = reverse("notice-list")
    detail = reverse("notice-detail", args=[notice.pk])

    client.force_login(alice)
    assert notice.pk not in _ids(client.get(url, {"unread": "true"}))
    assert notice.pk in _ids(client.get(url, {"unread": "false"}))
    assert client.get(detail).json()["read_at"] is not None

    client.force_login(anna)
    assert notice.pk in _ids(client.get(url, {"unread": "true"}))
    assert notice.pk not in _ids(client.get(url, {"unread": "false"}))
    assert client.get(detail).json()["read_at"] is None

    token = token_client(tokens.a)
    assert notice.pk not in _ids(token.get(url, {"unread": "true"}))
    assert token.get(detail).json()["read_at"] is not None
