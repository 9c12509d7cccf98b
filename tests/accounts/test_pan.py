import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Card
from accounts.pan import generate_pan, is_valid_pan, luhn_check_digit, luhn_valid, mask_pan, pan_hash
from accounts.services import card_find_by_pan


def test_known_amex_test_numbers_pass_luhn():
    # Published American Express test numbers.
    assert luhn_valid("378282246310005")
    assert luhn_valid("371449635398431")
    assert not luhn_valid("378282246310006")


@given(st.integers(min_value=0, max_value=999))
def test_generated_pans_are_15_digit_37_luhn_valid(_):
    pan = generate_pan()
    assert len(pan) == 15
    assert pan.startswith("37")
    assert is_valid_pan(pan)


@given(st.text(alphabet="0123456789", min_size=1, max_size=18))
def test_check_digit_always_makes_a_valid_number(partial):
    assert luhn_valid(partial + luhn_check_digit(partial))


def test_hash_is_keyed_and_stable(settings):
    pan = "378282246310005"
    first = pan_hash(pan)
    assert first == pan_hash(pan)
    assert pan not in first
    settings.PAN_HMAC_KEY = "another-key"
    assert pan_hash(pan) != first


def test_mask_shows_last_four_only():
    masked = mask_pan("0005")
    assert masked.endswith("0005")
    assert len(re.findall(r"\d", masked)) == 4


@pytest.mark.django_db
def test_issued_card_stores_no_full_pan_and_is_found_by_hash(bob_card):
    row = Card.objects.filter(pk=bob_card.card.pk).values().get()
    assert all(bob_card.pan not in str(value) for value in row.values())
    assert row["last4"] == bob_card.pan[-4:]
    assert card_find_by_pan(bob_card.pan) == bob_card.card
    assert card_find_by_pan("378282246310005") is None
    assert bob_card.pan not in repr(bob_card)
