"""Audit context outside requests (SPEC section 1): management commands and Celery tasks.

A command's writes are attributed to `command: <name>`, a Celery task's to `task: <name>` (with its
id), through pghistory's context. Only on PostgreSQL: pghistory sends the context as
`set_config(...)` before each statement, which SQLite does not know.
"""

from __future__ import annotations

import functools
from typing import Any

import pghistory
from django.core.management.base import BaseCommand
from django.db import connection
from pghistory import runtime

# Commands that change the schema or only serve requests are not wrapped: the requests carry their own context.
UNTRACKED_COMMANDS = frozenset({"migrate", "makemigrations", "runserver", "shell", "dbshell", "test", "flush",
                                "sqlmigrate", "showmigrations", "collectstatic", "check", "compilemessages"})


def audit_enabled() -> bool:
    return connection.vendor == "postgresql"


def token_metadata(token: Any) -> dict[str, Any]:
    """How an API token appears in the audit trail: never its key, only its name and owner."""
    return {
        "api_token": f"{token.name} ({token.prefix}…)",
        "api_token_id": token.pk,
        "api_token_kind": token.kind,
        "company": token.company.number if token.company_id else None,
    }


def command_name(command: BaseCommand) -> str:
    return type(command).__module__.rsplit(".", 1)[-1]


def _wrap_execute(execute):
    @functools.wraps(execute)
    def wrapped(self, *args, **options):
        name = command_name(self)
        if name in UNTRACKED_COMMANDS or not audit_enabled():
            return execute(self, *args, **options)
        with pghistory.context(command=name):
            return execute(self, *args, **options)

    wrapped.audit_wrapped = True
    return wrapped


def _task_prerun(task_id=None, task=None, **kwargs) -> None:
    if not audit_enabled() or hasattr(runtime._tracker, "value"):
        # An eager task inside a request or a command: that context already names who started it,
        # and pghistory keeps one metadata per context, so a task name would overwrite it.
        return
    context = pghistory.context(task=task.name, task_id=task_id)
    context.__enter__()
    task.request.audit_context = context


def _task_postrun(task=None, **kwargs) -> None:
    context = getattr(task.request, "audit_context", None)
    if context is not None:
        context.__exit__(None, None, None)
        task.request.audit_context = None


def connect() -> None:
    """Called once from AuditConfig.ready()."""
    if not getattr(BaseCommand.execute, "audit_wrapped", False):
        BaseCommand.execute = _wrap_execute(BaseCommand.execute)
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="audit_task_prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="audit_task_postrun")
