import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from amexprog.common import cycle
from amexprog.common.cycle import FRESH_DATABASE_NEEDS_FROM, business_date, cycle_step
from amexprog.common.models import CycleStepRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded_steps(monkeypatch):
    """Two steps registered out of order; each records the days it ran."""
    monkeypatch.setattr(cycle, "_REGISTRY", {})
    calls: list[tuple[str, dt.date]] = []

    @cycle_step(order=40, name="statements")
    def statements(on):
        calls.append(("statements", on))
        return 2

    @cycle_step(order=10, name="interest")
    def interest(on):
        calls.append(("interest", on))
        return 1

    return calls


def run(*args: str) -> str:
    out = StringIO()
    call_command("run_cycle", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_fresh_database_needs_a_start_day(recorded_steps):
    with pytest.raises(CommandError, match="pass --from"):
        run("--through", "2026-01-03")
    assert FRESH_DATABASE_NEEDS_FROM.startswith("This database has no completed business day")
    assert recorded_steps == []


def test_runs_each_day_in_order_with_steps_in_registry_order(recorded_steps):
    output = run("--from", "2026-01-01", "--through", "2026-01-02")
    assert recorded_steps == [
        ("interest", dt.date(2026, 1, 1)), ("statements", dt.date(2026, 1, 1)),
        ("interest", dt.date(2026, 1, 2)), ("statements", dt.date(2026, 1, 2)),
    ]
    assert business_date() == dt.date(2026, 1, 2)
    assert "interest: 2, statements: 4" in output
    assert CycleStepRun.objects.filter(day=dt.date(2026, 1, 2), step="statements").get().count == 2


def test_rerunning_is_a_no_op_and_catch_up_continues_from_the_next_day(recorded_steps):
    run("--from", "2026-01-01", "--through", "2026-01-02")
    recorded_steps.clear()
    assert "Nothing to do" in run("--through", "2026-01-02")
    assert recorded_steps == []
    run("--through", "2026-01-04")
    assert [day for _, day in recorded_steps] == [dt.date(2026, 1, 3)] * 2 + [dt.date(2026, 1, 4)] * 2
    with pytest.raises(CommandError, match="only for a fresh database"):
        run("--from", "2026-01-01", "--through", "2026-01-09")


def test_a_bad_date_is_a_clear_error(recorded_steps):
    with pytest.raises(CommandError, match="not a date"):
        run("--from", "2026-02-30", "--through", "2026-03-01")
    with pytest.raises(CommandError, match="not a date"):
        run("--through", "20260301")  # fromisoformat would take it; the commands say YYYY-MM-DD


def test_a_step_that_fails_leaves_the_day_uncompleted_so_the_next_run_repeats_it(monkeypatch):
    monkeypatch.setattr(cycle, "_REGISTRY", {})
    attempts = []

    @cycle_step(order=10, name="flaky")
    def flaky(on):
        attempts.append(on)
        if len(attempts) == 2:
            raise RuntimeError("worker died")
        return 0

    with pytest.raises(RuntimeError):
        run("--from", "2026-01-01", "--through", "2026-01-03")
    assert business_date() == dt.date(2026, 1, 1)
    run("--through", "2026-01-03")
    assert attempts == [dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 2), dt.date(2026, 1, 3)]
    assert business_date() == dt.date(2026, 1, 3)
