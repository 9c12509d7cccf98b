"""Starting issuer details for DK and BE (SPEC section 15; issue 16 item 11).

EXAMPLE VALUES: the source documents (the Danish cardmember terms and the Belgian service sheet for
PAs) are not available to this project, so every value below is an example, labelled as such in the
legal entity and in `source_note`. The IBANs are the well-known example accounts the reminder letters
used before (`ISSUER_PAYMENT_ACCOUNTS`). Ops replace them with a new version in the admin.
"""

import datetime as dt

from django.db import migrations

SOURCE_NOTE = "Example values: the {source} was not available. Replace with a new version."

ISSUERS = [
    dict(market="DK", effective_from=dt.date(2000, 1, 1),
         legal_name="Example Card Issuer Denmark A/S", registration="CVR 00000000 (example)",
         address="Eksempelvej 1\n2100 København Ø\nDanmark", payee_name="Example Card Issuer Denmark A/S",
         iban="DK5000400440116243", bic="DABADKKK", reference_rule="mod10",
         complaint_address="Example Card Issuer Denmark A/S\nKlageansvarlig\nEksempelvej 1\n2100 København Ø",
         source_note=SOURCE_NOTE.format(source="Danish cardmember terms"),
         lines=[("cards", "+45 70 00 00 01", "weekdays", dt.time(8), dt.time(18)),
                ("lost_stolen", "+45 70 00 00 02", "every_day", None, None),
                ("credit", "+45 70 00 00 03", "weekdays", dt.time(9), dt.time(16)),
                ("pa_service", "+45 70 00 00 04", "weekdays", dt.time(8), dt.time(17)),
                ("fraud", "+45 70 00 00 05", "every_day", None, None)]),
    dict(market="BE", effective_from=dt.date(2000, 1, 1),
         legal_name="Example Card Issuer Belgium SA/NV", registration="KBO/BCE 0000.000.000 (example)",
         address="Voorbeeldlaan 1\n1000 Brussel\nBelgique/België", payee_name="Example Card Issuer Belgium SA/NV",
         iban="BE68539007547034", bic="GEBABEBB", reference_rule="iso11649",
         complaint_address="Example Card Issuer Belgium SA/NV\nKlachtendienst / Service des plaintes\n"
                           "Voorbeeldlaan 1\n1000 Brussel",
         source_note=SOURCE_NOTE.format(source="Belgian service sheet for programme administrators"),
         lines=[("cards", "+32 2 000 00 01", "weekdays", dt.time(8, 30), dt.time(17, 30)),
                ("lost_stolen", "+32 2 000 00 02", "every_day", None, None),
                ("credit", "+32 2 000 00 03", "weekdays", dt.time(9), dt.time(16)),
                ("pa_service", "+32 2 000 00 04", "weekdays", dt.time(8, 30), dt.time(17)),
                ("fraud", "+32 2 000 00 05", "every_day", None, None)]),
]


def seed(apps, schema_editor):
    details = apps.get_model("documents", "IssuerDetails")
    phone_line = apps.get_model("documents", "IssuerPhoneLine")
    for spec in ISSUERS:
        spec = dict(spec)
        lines = spec.pop("lines")
        issuer, created = details.objects.get_or_create(
            market=spec.pop("market"), effective_from=spec.pop("effective_from"), defaults=spec)
        if created:
            for line, phone, days, opens, closes in lines:
                phone_line.objects.create(issuer=issuer, line=line, phone=phone, days=days, opens=opens, closes=closes)


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_issuer_details")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
