"""Issue 16 item 12 (terms §1, §22d, §25): version 1 of the terms is the structure of the terms' sections
with their headings in Danish and English, marked as not the full wording, not an 8-paragraph summary;
the lost-card section keeps §22d's condition; §18 is personal data and §20 communication."""

import pytest

from documents.models import TermsText

pytestmark = pytest.mark.django_db

CITED = ["3", "5", "6", "7", "8", "9", "11", "13", "14", "15", "16", "17", "18", "20", "21", "22", "23", "25", "26",
         "27", "30", "31", "32", "38"]


def sections(text: TermsText) -> dict[str, str]:
    paragraphs = text.body.split("\n\n")
    return {paragraph.split(" ", 1)[0][1:]: paragraph for paragraph in paragraphs if paragraph.startswith("§")}


def test_issue16_item12_every_cited_section_with_its_heading_in_danish_and_english():
    english = TermsText.objects.get(terms__version=1, language="en")
    danish = TermsText.objects.get(terms__version=1, language="da")
    assert list(sections(english)) == CITED and list(sections(danish)) == CITED
    assert english.body.startswith("Structure of the terms: the full wording of the issuer's cardmember terms is "
                                   "not available in this system.")
    assert danish.body.startswith("Vilkårenes opbygning: den fulde ordlyd")
    assert sections(english)["18"].startswith("§18 Personal data.")
    assert sections(english)["20"].startswith("§20 Communication.")
    assert sections(danish)["22"].startswith("§22 Mistede, stjålne og misbrugte kort.")


def test_issue16_item12_the_lost_card_section_keeps_the_condition_of_22d():
    lost = sections(TermsText.objects.get(terms__version=1, language="en"))["22"]
    assert ("After you have told the issuer you are not liable for later unauthorized use, unless you acted "
            "fraudulently (§22d).") in lost
    assert "at most DKK 375, unless it came about through your deliberate breach of the terms, gross negligence or " \
           "fraud (§22c)" in lost
    danish = sections(TermsText.objects.get(terms__version=1, language="da"))["22"]
    assert "medmindre du har handlet svigagtigt (§22d)" in danish


def test_issue16_item12_the_dutch_and_french_summaries_are_corrected():
    dutch = TermsText.objects.get(terms__version=1, language="nl").body
    french = TermsText.objects.get(terms__version=1, language="fr").body
    assert "na de melding, tenzij u frauduleus hebt gehandeld (§22d)." in dutch
    assert "6. Berichten (§20)." in dutch and "7. Persoonsgegevens (§18)." in dutch
    assert "après le signalement, sauf si vous avez agi frauduleusement (§22d)." in french
    assert "6. Notifications (§20)." in french and "7. Données personnelles (§18)." in french
