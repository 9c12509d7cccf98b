"""Which database errors count as a lost connection (amexprog/common/dbfaults.py)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError
from django.db import IntegrityError, InterfaceError, OperationalError, connection

from amexprog.common.dbfaults import connection_loss_as_command_error, connection_was_lost


def operational(pgcode: str | None) -> OperationalError:
    cause = Exception("driver error")
    cause.pgcode = pgcode  # what psycopg2 sets: None when the server never answered
    error = OperationalError("server closed the connection unexpectedly")
    error.__cause__ = cause
    return error


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_only_a_connection_failure_is_a_lost_connection():
    assert connection_was_lost(operational(None))
    assert connection_was_lost(operational("08006"))  # connection_failure
    assert connection_was_lost(operational("57P01"))  # admin_shutdown: pg_terminate_backend
    assert connection_was_lost(InterfaceError("connection already closed"))
    assert not connection_was_lost(operational("55P03"))  # lock_not_available: the server answered
    assert not connection_was_lost(operational("40P01"))  # deadlock_detected
    assert not connection_was_lost(IntegrityError("duplicate key"))


@pytest.mark.django_db
def test_a_lost_connection_becomes_a_command_error_and_anything_else_passes_through():
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match="database connection was lost"), connection_loss_as_command_error():
            raise operational(None)
    with pytest.raises(OperationalError), connection_loss_as_command_error():
        raise operational("55P03")
    if connection.vendor == "sqlite":  # "database is locked" is SQLite's OperationalError: not a lost connection
        with pytest.raises(OperationalError), connection_loss_as_command_error():
            raise operational(None)
