"""Issue 15 item 12: card numbers are masked in import error reports and in every log record —
its message, its traceback, Celery's loggers — and nothing else is (SPEC sections 3 and 17)."""

from __future__ import annotations

import io
import logging
import uuid

import pytest
from celery.utils.log import get_task_logger

from amexprog.celery import app as celery_app
from amexprog.common.csvfiles import FileRejected, RowError, write_error_report
from amexprog.common.logging import MaskPanFilter, mask_pans, pan_masking_install

PAN = "378282246310005"  # Luhn-valid, 37-prefixed: what an issued card number looks like
VISA = "4111111111111111"  # Luhn-valid, 16 digits


def test_issue15_item12_a_uuid_or_hex_id_is_not_masked():
    """A Celery task id once became `3b2ca8fe-****7805…`: digit runs inside a UUID or a hex string
    are not card numbers."""
    task_id = "3b2ca8fe-1234-5678-9012-345678907805"
    assert mask_pans(f"Task {task_id} succeeded", luhn_only=True) == f"Task {task_id} succeeded"
    assert mask_pans(f"Task {task_id} succeeded") == f"Task {task_id} succeeded"
    for _ in range(200):
        text = f"id={uuid.uuid4()} hex={uuid.uuid4().hex}"
        assert mask_pans(text) == text
    assert mask_pans("sha a37828224631000512b") == "sha a37828224631000512b"


def test_issue15_item12_the_log_mask_takes_luhn_valid_card_numbers_in_any_spelling():
    assert mask_pans(f"card {PAN} refused", luhn_only=True) == "card ****0005 refused"
    assert mask_pans("card 3782 822463 10005.", luhn_only=True) == "card ****0005."
    assert mask_pans("card 3782-822463-10005", luhn_only=True) == "card ****0005"
    assert mask_pans(f"visa={VISA}", luhn_only=True) == "visa=****1111"
    # A millisecond timestamp is not a card number; an error report masks any such run all the same.
    assert mask_pans("eta 1733500000001", luhn_only=True) == "eta 1733500000001"
    assert mask_pans("371234567890123 (fails Luhn)") == "****0123 (fails Luhn)"


def record_through_filter(logger_name: str, message: str, *args, exc: BaseException | None = None) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPanFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        if exc is not None:
            try:
                raise exc
            except type(exc):
                logger.exception(message, *args)
        else:
            logger.error(message, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_issue15_item12_a_traceback_in_a_log_is_masked():
    output = record_through_filter("amexprog.test", "Import failed for %s", "a file",
                                   exc=ValueError(f"bad card {PAN} in row 2"))
    assert "Traceback" in output and "ValueError: bad card ****0005 in row 2" in output
    assert PAN not in output


def test_issue15_item12_every_handler_gets_the_mask_even_on_loggers_that_do_not_propagate():
    """Django's `django` logger and Celery's `celery.task` logger have handlers of their own; a filter only
    on the root handler never sees their records."""
    stream = io.StringIO()
    logger = logging.getLogger("celery.task.issue15")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        pan_masking_install()
        logger.error("charge of %s declined", PAN)
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "charge of ****0005 declined\n"


@pytest.fixture
def worker_logging(tmp_path):
    """Logging set up as `celery worker` sets it up (it replaces the root handlers), undone afterwards."""
    root = logging.getLogger()
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate,
                    logging.getLogger(name).level) for name in ("", "celery", "celery.task", "celery.redirected")}
    was_setup = celery_app.log.already_setup
    celery_app.log.already_setup = False
    logfile = tmp_path / "worker.log"
    try:
        celery_app.log.setup_logging_subsystem(loglevel="INFO", logfile=str(logfile))
        yield logfile
    finally:
        for name in ("", "celery", "celery.task", "celery.redirected"):
            logger = logging.getLogger(name) if name else root
            for handler in logger.handlers:
                if handler not in saved[name][0]:
                    handler.close()
            logger.handlers[:] = saved[name][0]
            logger.propagate, logger.level = saved[name][1], saved[name][2]
        celery_app.log.already_setup = was_setup


def test_issue15_item12_celery_worker_and_task_logs_are_masked(worker_logging):
    get_task_logger("charges.tasks").error("authorization for %s failed", PAN)
    logging.getLogger("celery.worker.strategy").info("Task charges.tasks.x[3b2ca8fe-1234-5678-9012-345678907805] "
                                                     "received with %s", PAN)
    try:
        raise RuntimeError(f"card {PAN}")
    except RuntimeError:
        logging.getLogger("celery.app.trace").exception("Task failed")
    for handler in logging.getLogger().handlers + logging.getLogger("celery.task").handlers:
        handler.flush()
    text = worker_logging.read_text()
    assert "authorization for ****0005 failed" in text
    assert "3b2ca8fe-1234-5678-9012-345678907805" in text
    assert "RuntimeError: card ****0005" in text
    assert PAN not in text


def test_issue15_item12_every_error_report_masks_a_card_number_it_quotes(tmp_path):
    error = RowError(3, "rate_percent", f"{PAN!r} is not a rate in percent (e.g. 1.60)")
    assert error.reason == "'****0005' is not a rate in percent (e.g. 1.60)"
    rejected = FileRejected([error])
    assert PAN not in str(rejected.extra)
    write_error_report(rejected.errors, rejected.total, tmp_path / "report.csv")
    assert PAN not in (tmp_path / "report.csv").read_text()
