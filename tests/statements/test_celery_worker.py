"""The cycle through a real Celery worker on Redis (issue 4): a worker killed mid-cycle loses
nothing and doubles nothing; the re-run completes exactly the missing chunks."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import current_app
from django.db import connection
from moneyed import Money

from accounts.models import Account
from amexprog.common.cycle import cycle_run_day
from amexprog.common.fanout import ChunksPending, fanout_wait
from amexprog.common.models import ChunkRun
from ledger.models import Posting
from ledger.services import posting_create
from ledger.verification import verify_ledger
from statements.models import Statement
from tests.accounts.factories import AccountFactory, CardmemberFactory, CompanyFactory

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
REDIS_URL = "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 24


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def queue(settings):
    if not _redis_up():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    name = f"cycle-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CYCLE_CHUNK_SIZE = 4  # 24 accounts → 6 chunks
    conf = current_app.conf
    saved = {key: conf.get(key) for key in ("task_always_eager", "broker_url", "task_default_queue")}
    conf.update(task_always_eager=False, broker_url=REDIS_URL, task_default_queue=name)
    _forget_connections()
    yield name
    conf.update(saved)
    _forget_connections()
    redis.Redis.from_url(REDIS_URL).flushdb()


def _forget_connections() -> None:
    """Publish through the broker now configured: an earlier test may have opened the app's producer
    pool on the test settings' memory:// broker, where this test's tasks would vanish unseen."""
    current_app._pool = None
    current_app.amqp._producer_pool = None


def start_worker(queue: str) -> subprocess.Popen:
    database = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "amexprog.settings.development", "REDIS_URL": REDIS_URL,
           "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
           "CHUNK_DELAY_SECONDS": "0.4"}
    return subprocess.Popen([sys.executable, "-m", "tests.statements.slow_worker", queue], cwd=ROOT, env=env,
                            start_new_session=True)


def kill(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def test_a_worker_killed_mid_cycle_leaves_nothing_doubled_or_missing(queue):
    company = CompanyFactory(number="80001")
    accounts = [AccountFactory(cardmember=CardmemberFactory(company=company), cycle_day=5,
                               opened_on=dt.date(2026, 1, 2)) for _ in range(ACCOUNTS)]
    for index, account in enumerate(accounts):
        posting_create(account=account, kind="purchase", amount=Money("100.00", "DKK"),
                       posting_date=dt.date(2026, 1, 3), source_key=f"charge/jan/{index}")
        posting_create(account=account, kind="purchase", amount=Money("50.00", "DKK"),
                       posting_date=dt.date(2026, 1, 10), source_key=f"charge/feb/{index}")
    worker = start_worker(queue)
    try:
        with fanout_wait(120):
            cycle_run_day(on=dt.date(2026, 1, 5))  # the first cycle, through the worker
        assert Statement.objects.filter(statement_date=dt.date(2026, 1, 5)).count() == ACCOUNTS

        second = dt.date(2026, 2, 5)
        with fanout_wait(0), pytest.raises(ChunksPending):
            cycle_run_day(on=second)
        deadline = time.monotonic() + 60
        while not ChunkRun.objects.filter(day=second, completed_at__isnull=False).exists():
            assert time.monotonic() < deadline, "the worker never completed a chunk"
            time.sleep(0.05)
        kill(worker)  # mid-cycle: at least one chunk done, others queued or running
        done_before = Statement.objects.filter(statement_date=second).count()
        assert 0 < done_before < ACCOUNTS

        worker = start_worker(queue)
        with fanout_wait(120):
            cycle_run_day(on=second)  # the re-run completes whatever is missing
    finally:
        kill(worker)

    for account in Account.objects.filter(company=company):
        assert account.statements.filter(statement_date=second).count() == 1
    assert Statement.objects.filter(statement_date=second).count() == ACCOUNTS
    assert Posting.objects.filter(kind="fee_annual").count() == ACCOUNTS  # one year-1 fee each, never two
    second_statement = Statement.objects.filter(statement_date=second).first()
    assert second_statement.opening_balance + 50 == second_statement.closing_balance
    assert {name: problems for name, problems in verify_ledger().items() if problems} == {}
