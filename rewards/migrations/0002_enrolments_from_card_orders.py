"""Carry the EuroBonus enrolments that card orders recorded on the cardmember (accounts 0002) into
Enrolment, which from now on is the record: same number, same first-enrolment date, active, with a
`card_order` event as their audit trail. Cardmember.eurobonus_number/enrolled_on stay as a mirror."""

import datetime as dt

from django.db import migrations


def forwards(apps, schema_editor):
    Cardmember = apps.get_model("accounts", "Cardmember")
    Enrolment = apps.get_model("rewards", "Enrolment")
    EnrolmentEvent = apps.get_model("rewards", "EnrolmentEvent")
    enrolled = Cardmember.objects.filter(eurobonus_enrolled_on__isnull=False, account__isnull=False).exclude(
        account__eurobonus__isnull=False
    ).values_list("account__id", "eurobonus_number", "eurobonus_enrolled_on")
    for account_id, number, enrolled_on in enrolled.iterator():
        enrolment = Enrolment.objects.create(
            account_id=account_id, member_number=number, status="active", source="card_order",
            first_enrolled_on=enrolled_on, fee_anchor=enrolled_on + dt.timedelta(days=1), active_since=enrolled_on,
        )
        EnrolmentEvent.objects.create(enrolment=enrolment, kind="card_order", on=enrolled_on, member_number=number,
                                      actor_label="card order (migrated)")


class Migration(migrations.Migration):
    dependencies = [
        ("rewards", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
