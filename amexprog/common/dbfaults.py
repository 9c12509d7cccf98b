"""A database connection lost in the middle of an import, reported as a clear command error.

Every import runs in one transaction, so when PostgreSQL drops the connection (a restart, a
terminated backend, a network cut) the transaction is rolled back and nothing of the file is kept;
the file can simply be loaded again. Only if the connection went during the COMMIT itself may the
file have been kept, and then the re-run says it was already loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, connection

CONNECTION_LOST = (
    "The database connection was lost during the import ({error}). The import is all-or-nothing, so "
    "nothing from this file was kept (a re-run reports it if the loss came at the very end, after the "
    "file was saved). Run the same command again."
)


def connection_was_lost(exc: BaseException) -> bool:
    """True when PostgreSQL went away (not for an error the server reported, such as a deadlock).

    A dropped connection comes without an SQLSTATE, or with class 08 (connection exception) or
    57P01–57P03 (the server shut down or terminated the backend).
    """
    if connection.vendor != "postgresql":
        return False
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(exc.__cause__, "pgcode", None)
    return code is None or code.startswith("08") or code in ("57P01", "57P02", "57P03")


@contextmanager
def connection_loss_as_command_error() -> Iterator[None]:
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        if not connection_was_lost(exc):
            raise
        connection.close()  # the next statement opens a fresh connection
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(CONNECTION_LOST.format(error=first_line)) from exc
