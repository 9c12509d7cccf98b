"""The database connection dropped in the middle of an import (issue 9, item 5).

The importing backend is terminated with `pg_terminate_backend` from a second connection, after
the import has written part of its work in its transaction (the set-based path: entries, legs and
postings inserted; the ORM path and payments: some rows posted). The import fails with a clear
message, leaves nothing behind (no postings, no file record, no staging tables), and a re-run of
the same file posts it exactly once. A killed Celery worker mid-cycle is covered by
tests/statements/test_celery_worker.py.
"""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from charges.models import ChargeFile
from charges.payment_models import Payment, PaymentFile
from ledger.models import JournalEntry, Posting
from ledger.verification import verify_ledger
from tests.charges.conftest import RATE_DATE, RATES_2026_03_10, charge_file, charge_row, store_rates

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PAYMENT_HEADER = (
    "payment_id,account_number,company_number,received_date,type,amount,currency,method,original_payment_id,cost\n")
STAGING = ("charge_stage", "charge_day", "charge_currency", "charge_rate", "charge_schedule", "charge_base",
           "charge_work", "charge_plan")


def terminate_this_backend() -> None:
    """Kill the backend serving Django's connection, from a second connection, and wait until it is gone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    killer = connection.get_new_connection(connection.get_connection_params())
    try:
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
            for _ in range(100):
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    break
                time.sleep(0.05)
    finally:
        killer.close()


def staging_tables_left() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relpersistence = 't' AND relname = ANY(%s)",
                       [list(STAGING)])
        return [name for (name,) in cursor.fetchall()]


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO(), verbosity=0)
    return out.getvalue()


def assert_ledger_clean() -> None:
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}


@pytest.fixture
def charges_csv(bob_card, tmp_path):
    store_rates(RATE_DATE, RATES_2026_03_10)
    path = tmp_path / "network.csv"
    rows = [charge_row(f"DROP{n}", bob_card.pan, f"{n}0.00", "USD" if n % 2 else "DKK") for n in range(1, 7)]
    path.write_bytes(charge_file(rows))
    return path


def assert_nothing_loaded() -> None:
    assert not ChargeFile.objects.exists()
    assert not Posting.objects.exists()
    assert not JournalEntry.objects.exists()
    assert staging_tables_left() == []


def test_set_based_import_killed_after_inserting_postings_loads_nothing_and_reruns_once(charges_csv, monkeypatch):
    from charges import bulk

    original = bulk.holds_settle_staged

    def killed_after_postings(*, cursor):
        cursor.execute("SELECT count(*) FROM ledger_posting")
        assert cursor.fetchone()[0] == 9  # six charges, three FX fees, in the import's transaction
        terminate_this_backend()
        return original(cursor=cursor)

    monkeypatch.setattr(bulk, "holds_settle_staged", killed_after_postings)
    with pytest.raises(CommandError) as failure:
        run("import_charges", str(charges_csv))
    message = str(failure.value)
    assert "database connection was lost" in message and "nothing from this file was kept" in message
    assert "Traceback" not in message
    assert_nothing_loaded()

    monkeypatch.setattr(bulk, "holds_settle_staged", original)
    assert "Loaded network.csv: 6 charge(s), 9 posting(s)" in run("import_charges", str(charges_csv))
    assert Posting.objects.count() == 9 and ChargeFile.objects.count() == 1
    assert sorted(Posting.objects.filter(kind="purchase").values_list("source_key", flat=True)) == [
        f"charge/DROP{n}" for n in range(1, 7)]
    assert staging_tables_left() == []
    assert_ledger_clean()
    with pytest.raises(CommandError, match="already loaded"):  # and a third run loads nothing
        run("import_charges", str(charges_csv))
    assert Posting.objects.count() == 9


def test_orm_import_killed_after_some_rows_loads_nothing_and_reruns_once(charges_csv, monkeypatch):
    from charges import services

    original = services.charge_post
    posted: list[str] = []

    def killed_on_the_fourth_row(**kwargs):
        if len(posted) == 3:
            terminate_this_backend()
        result = original(**kwargs)
        posted.append(kwargs["charge"].transaction_id)
        return result

    monkeypatch.setattr(services, "charge_post", killed_on_the_fourth_row)
    with pytest.raises(CommandError, match="database connection was lost"):
        run("import_charges", "--orm", str(charges_csv))
    assert posted == ["DROP1", "DROP2", "DROP3"]  # three rows were posted in the lost transaction
    assert_nothing_loaded()

    monkeypatch.setattr(services, "charge_post", original)
    assert "6 charge(s), 9 posting(s)" in run("import_charges", "--orm", str(charges_csv))
    assert Posting.objects.count() == 9
    assert_ledger_clean()


def test_payment_import_killed_after_some_payments_loads_nothing_and_reruns_once(bob_account, tmp_path,
                                                                                 monkeypatch):
    from charges import payments

    path = tmp_path / "payments.csv"
    path.write_text(PAYMENT_HEADER + "".join(
        f"PAY{n},{bob_account.number},,2026-03-11,payment,{n}00.00,DKK,giro,,\n" for n in range(1, 5)))
    original = payments.payment_receive
    done: list[str] = []

    def killed_on_the_third_payment(**kwargs):
        if len(done) == 2:
            terminate_this_backend()
        result = original(**kwargs)
        done.append(kwargs["row"].payment_id)
        return result

    monkeypatch.setattr(payments, "payment_receive", killed_on_the_third_payment)
    with pytest.raises(CommandError, match="database connection was lost"):
        run("import_payments", str(path))
    assert done == ["PAY1", "PAY2"]
    assert not PaymentFile.objects.exists() and not Payment.objects.exists() and not Posting.objects.exists()

    monkeypatch.setattr(payments, "payment_receive", original)
    assert "4 payment(s), 0 return(s), 4 posting(s)" in run("import_payments", str(path))
    assert sorted(Payment.objects.values_list("payment_id", flat=True)) == ["PAY1", "PAY2", "PAY3", "PAY4"]
    assert Posting.objects.count() == 4
    assert_ledger_clean()
    with pytest.raises(CommandError, match="already loaded"):
        run("import_payments", str(path))
    assert Posting.objects.count() == 4
