"""The markets' complaint authorities as starting data (SPEC section 12, terms §21d); ops edit them in the admin.

DK: the three SPEC names. BE: the federal consumer inspection and the two financial supervisors.
"""

from django.db import migrations

AUTHORITIES = [
    ("DK", 1, "Forbrugerombudsmanden", "consumer", "Carl Jacobsens Vej 35\n2500 Valby",
     "https://www.forbrugerombudsmanden.dk"),
    ("DK", 2, "Konkurrence- og Forbrugerstyrelsen", "fees", "Carl Jacobsens Vej 35\n2500 Valby", "https://www.kfst.dk"),
    ("DK", 3, "Finanstilsynet", "supervision", "Strandgade 29\n1401 København K", "https://www.finanstilsynet.dk"),
    ("BE", 1, "FOD Economie – Algemene Directie Economische Inspectie", "consumer",
     "Koning Albert II-laan 16\n1000 Brussel", "https://economie.fgov.be"),
    ("BE", 2, "FSMA – Autoriteit voor Financiële Diensten en Markten", "fees", "Congresstraat 12-14\n1000 Brussel",
     "https://www.fsma.be"),
    ("BE", 3, "Nationale Bank van België", "supervision", "de Berlaimontlaan 14\n1000 Brussel", "https://www.nbb.be"),
]


def add(apps, schema_editor):
    authority = apps.get_model("complaints", "ComplaintAuthority")
    for market, position, name, kind, address, website in AUTHORITIES:
        authority.objects.get_or_create(market=market, name=name, defaults=dict(
            position=position, kind=kind, address=address, website=website))


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
