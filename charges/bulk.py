"""The set-based charge import on PostgreSQL (DESIGN "Fast paths"; rules of SPEC sections 5–7).

1. Python streams the file once: CSV structure (the shared csvfiles rules), and each card number
   becomes its HMAC, a validity state and its last four digits. That is all that reaches the
   database: the full number never does, nor the HMAC key. The rows are COPYed into a temporary
   staging table as they are read, so memory does not grow with the file.
2. SQL applies the rules of charges/validation.py to every row at once and produces the same
   row-by-row report; any bad row rejects the file before anything is written.
3. `INSERT … SELECT` (through ledger.services) writes one posting per charge, FX fee and cash fee
   with the same figures as charges/fx.py (tests compare the two paths ledger to ledger).

Intermediate arithmetic runs at SQL_SCALE decimals, far beyond where a half-cent tie could be
misjudged, matching the Python path's RATE_PRECISION significant digits.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from psycopg2.extras import execute_values

from amexprog.common.csvfiles import (
    BAD_HEADER,
    EMPTY_FILE,
    FALSE_WORDS,
    FIELD_TOO_LONG,
    MAX_FIELD_CHARS,
    MAX_REPORTED_ERRORS,
    NO_ROWS,
    NOT_UTF8,
    TRUE_WORDS,
    WRONG_FIELD_COUNT,
    ErrorCollector,
    FileRejected,
    RowError,
)
from charges import validation as v
from charges.authorizations import holds_settle_staged
from charges.fx import (
    CASH_FEE_DESCRIPTION,
    CASH_FEE_RULE,
    FX_FEE_DESCRIPTION,
    FX_FEE_RULE,
    NO_RATE_FOR_CURRENCY,
    NO_RATES,
    RATE_WINDOW_DAYS,
    USD,
)
from charges.models import ChargeFile
from ledger import services as ledger_services
from ledger.models import COUNTER_ACCOUNT, PostingKind

Progress = Callable[[str, int], None]
logger = logging.getLogger(__name__)

STAGE_COLUMNS = [
    "row_no", "transaction_id", "card_state", "pan_hash", "last4", "transaction_date", "processing_date", "type",
    "amount", "currency", "merchant_name", "merchant_city", "merchant_country", "mcc", "merchant_converted",
    "original_transaction_id",
]
TEXT_COLUMNS = [c for c in STAGE_COLUMNS if c not in ("row_no", "card_state")]
COPY_CHUNK = 1 << 20
PAN_CACHE_LIMIT = 100_000  # distinct card numbers remembered while streaming (bounded memory)
SQL_SCALE = 50
TEMP_BUFFERS = "256MB"
NUM = f"numeric(100,{SQL_SCALE})"


def _pg_template(template: str, *args: str, **fixed: object) -> str:
    """A message constant as a PostgreSQL format() string: `{name}` → %s in the order of args."""
    names = re.findall(r"\{(\w+)\}", template)
    if [n for n in names if n not in fixed] != list(args):
        raise ValueError(f"placeholders of {template!r} are {names}, not {args}")
    escaped = template.replace("%", "%%")
    return re.sub(r"\{(\w+)\}", lambda m: str(fixed[m.group(1)]).replace("%", "%%") if m.group(1) in fixed
                  else "%s", escaped)


def _messages() -> dict[str, str]:
    return {
        "m_required": v.REQUIRED,
        "m_bad_transaction_id": v.BAD_TRANSACTION_ID,
        "m_duplicate": _pg_template(v.DUPLICATE_IN_FILE, "row"),
        "m_already_posted": v.ALREADY_POSTED,
        "m_bad_card": v.BAD_CARD_NUMBER,
        "m_unknown_card": _pg_template(v.UNKNOWN_CARD, "last4"),
        "m_account_closed": _pg_template(v.ACCOUNT_CLOSED, "closed_on"),
        "m_bad_date": _pg_template(v.BAD_DATE, "value"),
        "m_after_processing": v.AFTER_PROCESSING_DATE,
        "m_no_schedule": _pg_template(v.NO_FEE_SCHEDULE, "market", "on"),
        "m_bad_type": v.BAD_TYPE,
        "m_bad_amount": v.BAD_AMOUNT,
        "m_zero_amount": v.ZERO_AMOUNT,
        "m_amount_too_large": v.AMOUNT_TOO_LARGE,
        "m_too_many_decimals": _pg_template(v.TOO_MANY_DECIMALS, "currency"),
        "m_unknown_currency": _pg_template(v.UNKNOWN_CURRENCY, "value"),
        "m_no_rates": _pg_template(NO_RATES, "processing_date", days=RATE_WINDOW_DAYS),
        "m_no_rate_for": _pg_template(NO_RATE_FOR_CURRENCY, "currency", "rate_date"),
        "m_name_too_long": v.TOO_LONG.format(max=v.MAX_MERCHANT_NAME),
        "m_city_too_long": v.TOO_LONG.format(max=v.MAX_MERCHANT_CITY),
        "m_bad_country": v.BAD_COUNTRY,
        "m_bad_mcc": v.BAD_MCC,
        "m_bad_bool": v.BAD_BOOL,
        "m_not_billing": _pg_template(v.NOT_IN_BILLING_CURRENCY, "currency"),
        "m_original_required": v.ORIGINAL_REQUIRED,
        "m_original_only_refunds": v.ORIGINAL_ONLY_ON_REFUNDS,
        "m_original_not_found": _pg_template(v.ORIGINAL_NOT_FOUND, "id"),
        "m_original_other_account": _pg_template(v.ORIGINAL_OTHER_ACCOUNT, "id"),
        "d_purchase": v.CHARGE_DESCRIPTIONS["purchase"],
        "d_refund": v.CHARGE_DESCRIPTIONS["refund"],
        "d_cash": v.CHARGE_DESCRIPTIONS["cash"],
        "d_fx_fee": _pg_template(FX_FEE_DESCRIPTION, "currency", "amount"),
        "d_cash_fee": _pg_template(CASH_FEE_DESCRIPTION, "currency", "amount"),
        "fx_rule": FX_FEE_RULE,
        "cash_rule": CASH_FEE_RULE,
    }


class _StageSource:
    """A read()-able stream of staging rows for COPY, produced from the charge file as COPY asks.

    It applies exactly the structural rules of csvfiles.read_rows and validation.without_nul_rows
    (the ORM path's reader; a test holds the two to the same rows and errors), in a tighter loop:
    at a million rows per file, every microsecond per row is a second.
    """

    def __init__(self, stream: BinaryIO, errors: ErrorCollector, progress: Progress | None) -> None:
        self._text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
        self._reader = csv.reader(self._text, strict=True)
        self._errors = errors
        self._progress = progress
        self._cards: dict[str, tuple[int, str, str]] = {}
        self._header_checked = False
        self._seen_rows = False
        self._done = False
        self.rows = 0

    def _finish(self) -> bytes:
        self._done = True
        self._text.detach()
        return b""

    def read(self, size: int = -1) -> bytes:
        if self._done:
            return b""
        reader, errors = self._reader, self._errors
        try:
            if not self._header_checked:
                self._header_checked = True
                try:
                    header = next(reader)
                except StopIteration:
                    errors.add(1, "", EMPTY_FILE)
                    return self._finish()
                if [name.strip() for name in header] != v.COLUMNS:
                    errors.add(1, "", BAD_HEADER.format(expected=",".join(v.COLUMNS)))
                    return self._finish()
            staged = self._stage(size if size > 0 else COPY_CHUNK)
        except UnicodeDecodeError:
            errors.add(reader.line_num + 1, "", NOT_UTF8)
            return self._finish()
        except csv.Error as exc:
            errors.add(reader.line_num, "", f"malformed CSV: {exc}")
            return self._finish()
        if staged is None:
            if not self._seen_rows:
                errors.add(1, "", NO_ROWS)
            return self._finish()
        return staged

    def _stage(self, target: int) -> bytes | None:
        """Up to about `target` bytes of staging rows; None at the end of the file."""
        reader, errors, cards = self._reader, self._errors, self._cards
        columns, width, strip, tab = v.COLUMNS, len(v.COLUMNS), str.strip, "\t"
        staged: list[str] = []
        size = 0
        for fields in reader:
            row = reader.line_num
            if not fields or fields == [""]:
                continue
            self._seen_rows = True
            if len(fields) != width:
                errors.add(row, "", WRONG_FIELD_COUNT.format(expected=width, found=len(fields)))
                continue
            if max(map(len, fields)) > MAX_FIELD_CHARS:
                for name, value in zip(columns, fields, strict=True):
                    if len(value) > MAX_FIELD_CHARS:
                        errors.add(row, name, FIELD_TOO_LONG)
                continue
            joined = "".join(fields)
            if "\x00" in joined:
                for name, value in zip(columns, fields, strict=True):
                    if "\x00" in value:
                        errors.add(row, name, v.NUL_CHARACTER)
                continue
            f = list(map(strip, fields))
            number = f[1]
            state = cards.get(number)
            if state is None:
                if len(cards) >= PAN_CACHE_LIMIT:
                    cards.clear()
                state = cards[number] = v.card_number_state(number)
            # COPY's text format, written by hand: most rows need no escaping, and csv.writer was a third
            # of the read step (issue 17). The card's state, hash and last four are never escapable.
            if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
                f = list(map(_copy_text_escaped, f))
            staged.append(f"{row}\t{f[0]}\t{state[0]}\t{state[1]}\t{state[2]}\t{tab.join(f[2:])}\n")
            size += len(joined)
            if size >= target:
                break
        if not staged:
            return None
        self.rows += len(staged)
        if self._progress:
            self._progress("reading", len(staged))
        return "".join(staged).encode()


def _copy_text_escaped(value: str) -> str:
    """A field in COPY's text format: backslash, tab, newline and carriage return escaped."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


SETUP_SQL = [
    "SET LOCAL work_mem = '256MB'",
    "SET LOCAL jit = off",  # compiling these one-off statements costs more than it saves
    "DROP TABLE IF EXISTS charge_stage, charge_day, charge_currency, charge_rate, charge_schedule, charge_base, "
    "charge_work, charge_plan",
    f"""CREATE TEMP TABLE charge_stage (row_no integer NOT NULL, card_state smallint NOT NULL,
        {", ".join(f"{c} text NOT NULL" for c in TEXT_COLUMNS)}) ON COMMIT DROP""",
    "CREATE TEMP TABLE charge_day (value text PRIMARY KEY, day date NOT NULL, rate_date date) ON COMMIT DROP",
    "CREATE TEMP TABLE charge_currency (code text PRIMARY KEY, exponent integer NOT NULL) ON COMMIT DROP",
]

RATES_SQL = [
    # The rate date of each valid day: the latest published day strictly before it, within the window.
    """UPDATE charge_day d SET rate_date = (
           SELECT max(r.rate_date) FROM charges_fxrate r
            WHERE r.rate_date < d.day AND r.rate_date >= d.day - %(window)s)""",
    """CREATE TEMP TABLE charge_rate ON COMMIT DROP AS
       SELECT r.rate_date, r.currency, r.rate FROM charges_fxrate r
        WHERE r.rate_date IN (SELECT rate_date FROM charge_day WHERE rate_date IS NOT NULL)
       UNION ALL
       SELECT DISTINCT d.rate_date, 'EUR', 1::numeric FROM charge_day d
        WHERE d.rate_date IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM charges_fxrate e WHERE e.rate_date = d.rate_date AND e.currency = 'EUR')""",
    """CREATE TEMP TABLE charge_schedule ON COMMIT DROP AS
       SELECT m.market, d.day, s.id, s.fx_fee_percent, s.cash_fee_percent, s.cash_fee_minimum
         FROM (SELECT DISTINCT market FROM accounts_company) m CROSS JOIN charge_day d
        CROSS JOIN LATERAL (
              SELECT f.id, f.fx_fee_percent, f.cash_fee_percent, f.cash_fee_minimum FROM fees_feeschedule f
               WHERE f.market = m.market AND f.effective_from <= d.day
               ORDER BY f.effective_from DESC LIMIT 1) s""",
]

# The simple CASE lowers each value once (two IN lists lowered it twice, issue 17).
_CONVERTED_CASES = " ".join([*(f"WHEN '{word}' THEN true" for word in TRUE_WORDS),
                             *(f"WHEN '{word}' THEN false" for word in FALSE_WORDS)])
BASE_SQL = f"""
CREATE TEMP TABLE charge_base ON COMMIT DROP AS
SELECT s.*,
       coalesce(dup.first_row, s.row_no) AS first_row,
       td.day AS tdate, pd.day AS pdate, pd.rate_date,
       cc.exponent,
       CASE WHEN s.amount ~ %(amount_re)s AND length(split_part(s.amount, '.', 1)) <= %(amount_digits)s
                 AND length(split_part(s.amount, '.', 2)) <= %(amount_digits)s THEN s.amount::numeric END AS amount_num,
       CASE lower(s.merchant_converted) {_CONVERTED_CASES} END AS converted,
       c.id AS card_id, c.account_id, a.currency AS billing, a.closed_on, co.market,
       c.status AS card_status, c.status_changed_on, c.expiry
  FROM charge_stage s
  -- A repeated transaction id's first row: a hash of the narrow ids, not a window over every wide
  -- staging row, which had to sort and copy them all (issue 17).
  LEFT JOIN (SELECT transaction_id, min(row_no) AS first_row FROM charge_stage
              GROUP BY transaction_id HAVING count(*) > 1) dup ON dup.transaction_id = s.transaction_id
  LEFT JOIN charge_day td ON td.value = s.transaction_date
  LEFT JOIN charge_day pd ON pd.value = s.processing_date
  LEFT JOIN charge_currency cc ON cc.code = s.currency
  LEFT JOIN accounts_card c ON s.card_state = %(card_ok)s AND c.pan_hash = s.pan_hash
  LEFT JOIN accounts_account a ON a.id = c.account_id
  LEFT JOIN accounts_company co ON co.id = a.company_id
"""

# Facts per row (look-ups), then derived conditions, then one reason per column: the same
# order of rules as ChargeRowChecker.check_row. OFFSET 0 keeps each level from being inlined into
# the next, where every reference to an inner column would compute it again.
WORK_SQL = """
CREATE TEMP TABLE charge_work ON COMMIT DROP AS
SELECT r.*,
       num_nonnulls(r_transaction_id, r_card_number, r_transaction_date, r_processing_date, r_type, r_amount,
                    r_currency, r_merchant_name, r_merchant_city, r_merchant_country, r_mcc, r_merchant_converted,
                    r_original_transaction_id) AS error_count
FROM (
SELECT d.*,
  CASE WHEN transaction_id = '' THEN %(m_required)s
       WHEN length(transaction_id) > %(max_transaction_id)s OR transaction_id !~ %(transaction_id_re)s
            THEN %(m_bad_transaction_id)s
       WHEN first_row < row_no THEN format(%(m_duplicate)s, first_row)
       WHEN posted THEN %(m_already_posted)s END AS r_transaction_id,
  CASE WHEN card_state = %(card_empty)s THEN %(m_required)s
       WHEN card_state = %(card_invalid)s THEN %(m_bad_card)s
       WHEN card_id IS NULL THEN format(%(m_unknown_card)s, last4)
       WHEN closed_on IS NOT NULL AND pdate > closed_on
            THEN format(%(m_account_closed)s, to_char(closed_on, 'YYYY-MM-DD')) END AS r_card_number,
  CASE WHEN transaction_date = '' THEN %(m_required)s
       WHEN tdate IS NULL THEN format(%(m_bad_date)s, left(transaction_date, %(echo)s))
       WHEN pdate IS NOT NULL AND tdate > pdate THEN %(m_after_processing)s END AS r_transaction_date,
  CASE WHEN processing_date = '' THEN %(m_required)s
       WHEN pdate IS NULL THEN format(%(m_bad_date)s, left(processing_date, %(echo)s))
       WHEN needs_schedule AND schedule_id IS NULL
            THEN format(%(m_no_schedule)s, market, to_char(pdate, 'YYYY-MM-DD')) END AS r_processing_date,
  CASE WHEN type = '' THEN %(m_required)s WHEN NOT kind_ok THEN %(m_bad_type)s END AS r_type,
  CASE WHEN amount = '' THEN %(m_required)s
       WHEN amount_num IS NULL THEN %(m_bad_amount)s
       WHEN amount_num = 0 THEN %(m_zero_amount)s
       WHEN amount_num >= %(max_amount)s THEN %(m_amount_too_large)s
       WHEN exponent IS NOT NULL AND amount_num <> round(amount_num, exponent)
            THEN format(%(m_too_many_decimals)s, currency) END AS r_amount,
  CASE WHEN currency = '' THEN %(m_required)s
       WHEN exponent IS NULL THEN format(%(m_unknown_currency)s, left(currency, %(echo)s))
       WHEN is_foreign AND pdate IS NOT NULL THEN
            CASE WHEN rate_date IS NULL THEN format(%(m_no_rates)s, to_char(pdate, 'YYYY-MM-DD'))
                 WHEN r_cur IS NULL THEN format(%(m_no_rate_for)s, currency, to_char(rate_date, 'YYYY-MM-DD'))
                 WHEN r_usd IS NULL THEN format(%(m_no_rate_for)s, %(usd)s, to_char(rate_date, 'YYYY-MM-DD'))
                 WHEN r_bill IS NULL THEN format(%(m_no_rate_for)s, billing, to_char(rate_date, 'YYYY-MM-DD'))
            END END AS r_currency,
  CASE WHEN length(merchant_name) > %(max_name)s THEN %(m_name_too_long)s END AS r_merchant_name,
  CASE WHEN length(merchant_city) > %(max_city)s THEN %(m_city_too_long)s END AS r_merchant_city,
  CASE WHEN merchant_country <> '' AND merchant_country !~ %(country_re)s THEN %(m_bad_country)s
       END AS r_merchant_country,
  CASE WHEN mcc <> '' AND mcc !~ %(mcc_re)s THEN %(m_bad_mcc)s END AS r_mcc,
  CASE WHEN converted IS NULL THEN %(m_bad_bool)s
       WHEN converted AND card_id IS NOT NULL AND exponent IS NOT NULL AND currency <> billing
            THEN format(%(m_not_billing)s, billing) END AS r_merchant_converted,
  CASE WHEN type = 'refund' AND original_transaction_id = '' THEN %(m_original_required)s
       WHEN type IN ('purchase', 'cash') AND original_transaction_id <> '' THEN %(m_original_only_refunds)s
       WHEN type = 'refund' AND NOT original_found
            THEN format(%(m_original_not_found)s, left(original_transaction_id, %(echo)s))
       WHEN type = 'refund' AND card_id IS NOT NULL AND original_account IS NOT NULL
            AND original_account <> account_id
            THEN format(%(m_original_other_account)s, left(original_transaction_id, %(echo)s))
       END AS r_original_transaction_id
FROM (
  SELECT f.*,
    f.card_id IS NOT NULL AND f.pdate IS NOT NULL AND f.kind_ok AND f.exponent IS NOT NULL
      AND f.converted IS NOT NULL AND (f.type = 'cash' OR f.is_foreign) AS needs_schedule,
    coalesce(f.posted_original_kind IN ('purchase', 'cash'), false)
      OR coalesce(f.file_original_row < f.row_no AND f.file_original_type IN ('purchase', 'cash'), false)
      AS original_found,
    CASE WHEN f.posted_original_kind IN ('purchase', 'cash') THEN f.posted_original_account
         WHEN f.file_original_row < f.row_no AND f.file_original_type IN ('purchase', 'cash')
         THEN f.file_original_account END AS original_account
  FROM (
    SELECT b.*,
      b.type IN ('purchase', 'refund', 'cash') AS kind_ok,
      coalesce(b.card_id IS NOT NULL AND b.exponent IS NOT NULL AND b.converted = false
               AND b.currency <> b.billing, false) AS is_foreign,
      coalesce(p.found, false) AS posted,
      po.id AS posted_original_id, po.kind AS posted_original_kind, po.account_id AS posted_original_account,
      o.row_no AS file_original_row, o.type AS file_original_type, o.account_id AS file_original_account,
      rc.rate AS r_cur, ru.rate AS r_usd, rb.rate AS r_bill, be.exponent AS bill_exponent,
      fs.id AS schedule_id, fs.fx_fee_percent, fs.cash_fee_percent, fs.cash_fee_minimum
    FROM charge_base b
    -- Index probes per row (LATERAL … LIMIT 1), so the cost follows the file, not the ledger's size.
    LEFT JOIN LATERAL (SELECT true AS found FROM ledger_posting
                        WHERE source_key = 'charge/' || b.transaction_id LIMIT 1) p ON true
    LEFT JOIN LATERAL (SELECT id, kind, account_id FROM ledger_posting
                        WHERE b.type = 'refund' AND b.original_transaction_id <> ''
                          AND source_key = 'charge/' || b.original_transaction_id LIMIT 1) po ON true
    LEFT JOIN charge_base o ON b.type = 'refund' AND b.original_transaction_id <> ''
         AND o.transaction_id = b.original_transaction_id AND o.row_no = o.first_row
    LEFT JOIN charge_rate rc ON rc.rate_date = b.rate_date AND rc.currency = b.currency
    LEFT JOIN charge_rate ru ON ru.rate_date = b.rate_date AND ru.currency = %(usd)s
    LEFT JOIN charge_rate rb ON rb.rate_date = b.rate_date AND rb.currency = b.billing
    LEFT JOIN charge_currency be ON be.code = b.billing
    LEFT JOIN charge_schedule fs ON fs.market = b.market AND fs.day = b.pdate
    OFFSET 0
  ) f
  OFFSET 0
) d
OFFSET 0
) r
"""

ERRORS_SQL = """
SELECT w.row_no, e.col, e.reason
  FROM charge_work w
 CROSS JOIN LATERAL (VALUES
   (0, 'transaction_id', r_transaction_id), (1, 'card_number', r_card_number),
   (2, 'transaction_date', r_transaction_date), (3, 'processing_date', r_processing_date), (4, 'type', r_type),
   (5, 'amount', r_amount), (6, 'currency', r_currency), (7, 'merchant_name', r_merchant_name),
   (8, 'merchant_city', r_merchant_city), (9, 'merchant_country', r_merchant_country), (10, 'mcc', r_mcc),
   (11, 'merchant_converted', r_merchant_converted), (12, 'original_transaction_id', r_original_transaction_id)
 ) AS e(ord, col, reason)
 WHERE w.error_count > 0 AND e.reason IS NOT NULL
 ORDER BY w.row_no, e.ord
 LIMIT %(limit)s
"""

# Figures of a valid file (SPEC section 6): the USD step, the billed amount, then the fees. The
# OFFSET 0 fences keep PostgreSQL from recomputing an inner figure for every outer use.
PLAN_SQL = f"""
CREATE TEMP TABLE charge_plan ON COMMIT DROP AS
SELECT c.*,
  nextval(%(posting_seq)s::regclass) AS charge_posting_id,
  CASE WHEN c.fx_fee > 0 THEN nextval(%(posting_seq)s::regclass) END AS fx_posting_id,
  CASE WHEN c.cash_fee > 0 THEN nextval(%(posting_seq)s::regclass) END AS cash_posting_id,
  CASE WHEN c.is_foreign THEN round(
       (100 * (c.fx_fee * c.r_cur + c.sign * (c.billed * c.r_cur - c.amount_num * c.r_bill)))::{NUM}
       / (c.amount_num * c.r_bill), 4) END AS markup_percent
FROM (
  SELECT b.*,
    CASE WHEN b.is_foreign THEN round(b.billed * b.fx_fee_percent / 100, b.bill_exponent) ELSE 0 END AS fx_fee,
    CASE WHEN b.type = 'cash' THEN greatest(round(b.billed * b.cash_fee_percent / 100, b.bill_exponent),
                                            b.cash_fee_minimum) ELSE 0 END AS cash_fee
  FROM (
    SELECT u.*,
      CASE WHEN u.is_foreign THEN round((u.usd_amount * u.r_bill)::{NUM} / u.r_usd, u.bill_exponent)
           ELSE round(u.amount_num, u.bill_exponent) END AS billed
    FROM (
      SELECT w.row_no, w.transaction_id, w.type, w.account_id, w.card_id, w.billing, w.bill_exponent, w.market,
             w.tdate, w.pdate, w.rate_date, w.amount_num, w.currency, w.exponent, w.merchant_name,
             w.merchant_city, w.merchant_country, w.mcc, w.is_foreign, w.r_cur, w.r_usd, w.r_bill,
             w.schedule_id, w.fx_fee_percent, w.cash_fee_percent, w.cash_fee_minimum,
             w.posted_original_id,
             CASE WHEN w.posted_original_id IS NULL AND w.type = 'refund' THEN w.file_original_row END
               AS file_original_row,
             CASE WHEN w.type = 'refund' THEN -1 ELSE 1 END AS sign,
             CASE WHEN w.card_status IN ('lost', 'stolen', 'cancelled')
                       AND (w.status_changed_on IS NULL OR w.status_changed_on <= w.tdate) THEN w.card_status
                  WHEN w.expiry < w.tdate OR (w.card_status = 'expired'
                       AND (w.status_changed_on IS NULL OR w.status_changed_on <= w.tdate)) THEN 'expired'
                  ELSE '' END AS review_reason,
             CASE WHEN NOT w.is_foreign THEN NULL
                  WHEN w.currency = %(usd)s THEN w.amount_num
                  ELSE round((w.amount_num * w.r_usd)::{NUM} / w.r_cur, 2) END AS usd_amount
        FROM charge_work w
      OFFSET 0
    ) u
    OFFSET 0
  ) b
  OFFSET 0
) c
"""

# The file's postings, one row per money movement, in the columns of ledger.services.POSTING_COLUMNS
# (ledger.services inserts them: no app but the ledger writes to its tables).
POSTINGS_SQL = f"""
SELECT p.charge_posting_id, p.account_id, p.pdate, p.type,
       CASE p.type WHEN 'purchase' THEN %(c_purchase)s WHEN 'refund' THEN %(c_refund)s ELSE %(c_cash)s END,
       p.billing, p.sign * p.billed,
       coalesce(nullif(concat_ws(', ', nullif(p.merchant_name, ''), nullif(p.merchant_city, '')), ''),
                CASE p.type WHEN 'purchase' THEN %(d_purchase)s WHEN 'refund' THEN %(d_refund)s ELSE %(d_cash)s END),
       'charge/' || p.transaction_id, coalesce(p.posted_original_id, o.charge_posting_id),
       p.card_id, p.tdate, p.merchant_name, p.merchant_city, p.merchant_country, p.mcc, p.review_reason <> '',
       CASE WHEN p.is_foreign THEN p.currency END, CASE WHEN p.is_foreign THEN p.amount_num END,
       p.usd_amount,
       CASE WHEN p.is_foreign AND p.currency <> %(usd)s THEN round(p.r_usd::{NUM} / p.r_cur, 12) END,
       CASE WHEN p.is_foreign THEN round(p.r_bill::{NUM} / p.r_usd, 12) END,
       CASE WHEN p.is_foreign THEN p.rate_date END,
       CASE WHEN p.review_reason = '' THEN jsonb_build_object('charge_file', %(charge_file)s::bigint, 'row', p.row_no)
            ELSE jsonb_build_object('charge_file', %(charge_file)s::bigint, 'row', p.row_no,
                                    'review_reason', p.review_reason) END,
       now()
  FROM charge_plan p
  LEFT JOIN charge_plan o ON o.row_no = p.file_original_row
UNION ALL
SELECT p.fx_posting_id, p.account_id, p.pdate, %(k_fee_fx)s, %(c_fee_fx)s, p.billing, p.fx_fee,
       format(%(d_fx_fee)s, p.currency, round(p.amount_num, p.exponent)::text),
       'fee_fx/' || p.transaction_id, p.charge_posting_id, p.card_id, p.tdate, '', '', '', '', false,
       NULL, NULL, NULL, NULL, NULL, NULL,
       x.fixed || jsonb_build_object(
         'base_amount', p.billed::text, 'original_amount', round(p.amount_num, p.exponent)::text,
         'rate_used', round(p.billed::{NUM} / p.amount_num, 12)::text, 'markup_percent', p.markup_percent::text),
       now()
  FROM charge_plan p
  -- What a fee's explanation shares with every fee of its rate date, currencies and schedule, built once per
  -- such group: an eleven-key object per fee was most of the fees' share of the INSERT (issue 17).
  JOIN (SELECT rate_date, currency, billing, schedule_id, jsonb_build_object(
                 'rule', %(fx_rule)s, 'fee_schedule_id', schedule_id, 'percent', min(fx_fee_percent)::text,
                 'base_currency', billing, 'original_currency', currency,
                 'rate_date', to_char(rate_date, 'YYYY-MM-DD'),
                 'ecb_rate', round(min(r_bill)::{NUM} / min(r_cur), 12)::text) AS fixed
          FROM charge_plan WHERE fx_posting_id IS NOT NULL
         GROUP BY rate_date, currency, billing, schedule_id) x
    ON x.rate_date = p.rate_date AND x.currency = p.currency AND x.billing = p.billing
   AND x.schedule_id = p.schedule_id
 WHERE p.fx_posting_id IS NOT NULL
UNION ALL
SELECT p.cash_posting_id, p.account_id, p.pdate, %(k_fee_cash)s, %(c_fee_cash)s, p.billing, p.cash_fee,
       format(%(d_cash_fee)s, p.billing, p.billed::text),
       'fee_cash/' || p.transaction_id, p.charge_posting_id, p.card_id, p.tdate, '', '', '', '', false,
       NULL, NULL, NULL, NULL, NULL, NULL,
       jsonb_build_object(
         'rule', %(cash_rule)s, 'fee_schedule_id', p.schedule_id, 'percent', p.cash_fee_percent::text,
         'minimum', p.cash_fee_minimum::text, 'base_amount', p.billed::text, 'base_currency', p.billing),
       now()
  FROM charge_plan p WHERE p.cash_posting_id IS NOT NULL
"""


@contextmanager
def _step(name: str) -> Iterator[None]:
    """Log each step's duration at DEBUG (bench/import_charges.py prints them)."""
    started = time.perf_counter()
    yield
    logger.debug("%-28s %8.2f s", name, time.perf_counter() - started)


def _load_days(cursor: Any) -> None:
    """Parse each distinct date text once, in Python, so both paths accept exactly the same dates."""
    raw = cursor.connection
    with raw.cursor(name="charge_day_values") as values:
        values.itersize = 10_000
        values.execute("SELECT transaction_date COLLATE \"C\" FROM charge_stage"
                       " UNION SELECT processing_date COLLATE \"C\" FROM charge_stage")
        while True:
            batch = values.fetchmany(10_000)
            if not batch:
                break
            parsed = [(text, day) for (text,) in batch if (day := v.parse_date(text)) is not None]
            if parsed:
                execute_values(cursor, "INSERT INTO charge_day (value, day) VALUES %s", parsed)


def _enlarge_temp_buffers(cursor: Any) -> None:
    """Room for the staging tables in memory (the default 8 MB makes a million-row file thrash).

    PostgreSQL accepts this only before a session's first temporary table; a session that already
    imported keeps the size it had (the same, as that import set it), so a refusal is harmless.
    """
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic():
            cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
    except DatabaseError:
        logger.debug("temp_buffers already fixed for this session")


def _run_posting_guards(cursor: Any) -> None:
    """The checks other apps put on where postings may land (e.g. no posting into a period whose
    statement is produced), which posting_create runs on the ORM path: same rule, same error, and a
    refused (account, day) rejects the file naming each of its rows (SPEC section 5)."""
    if not ledger_services.POSTING_GUARDS:
        return
    cursor.execute("SELECT DISTINCT account_id, pdate FROM charge_work ORDER BY account_id, pdate")
    refusals = ledger_services.posting_refusals_by_id(cursor.fetchall())
    if not refusals:
        return
    reasons = {(refusal.account_id, refusal.day): refusal.error.message for refusal in refusals}
    refused = list(reasons)
    # One statement whatever the number of pairs (execute_values would page them by 100); the window
    # count is taken before the LIMIT, so it is every refused row.
    rows = execute_values(
        cursor.cursor, "SELECT row_no, account_id, pdate, count(*) OVER () FROM charge_work"
        f" WHERE (account_id, pdate) IN (VALUES %s) ORDER BY row_no LIMIT {MAX_REPORTED_ERRORS}", refused,
        page_size=len(refused), fetch=True)
    raise FileRejected([v.row_error(row, "processing_date", reasons[(account_id, day)])
                        for row, account_id, day, _total in rows], rows[0][3])


def bulk_charge_import(*, stream: BinaryIO, charge_file: ChargeFile, on_progress: Progress | None = None
                       ) -> dict[str, Any]:
    """Validate and post a whole charge file set-based; returns the load's figures for ChargeFile."""
    from django.db import connection

    errors = ErrorCollector()
    params: dict[str, Any] = {
        **_messages(),
        "window": RATE_WINDOW_DAYS, "echo": v.ECHO_CHARS, "usd": USD, "max_amount": v.MAX_AMOUNT,
        "max_name": v.MAX_MERCHANT_NAME, "max_city": v.MAX_MERCHANT_CITY,
        "amount_re": v.SQL_PATTERNS["amount"], "transaction_id_re": v.SQL_PATTERNS["transaction_id"],
        "amount_digits": v.MAX_AMOUNT_DIGITS, "max_transaction_id": v.MAX_TRANSACTION_ID,
        "country_re": v.SQL_PATTERNS["country"], "mcc_re": v.SQL_PATTERNS["mcc"],
        "card_ok": v.CARD_OK, "card_empty": v.CARD_EMPTY, "card_invalid": v.CARD_INVALID,
        "limit": MAX_REPORTED_ERRORS, "charge_file": charge_file.pk,
        "c_purchase": COUNTER_ACCOUNT[PostingKind.PURCHASE], "c_refund": COUNTER_ACCOUNT[PostingKind.REFUND],
        "c_cash": COUNTER_ACCOUNT[PostingKind.CASH], "c_fee_fx": COUNTER_ACCOUNT[PostingKind.FEE_FX],
        "c_fee_cash": COUNTER_ACCOUNT[PostingKind.FEE_CASH],
        "k_fee_fx": PostingKind.FEE_FX.value, "k_fee_cash": PostingKind.FEE_CASH.value,
    }
    with connection.cursor() as cursor:
        _enlarge_temp_buffers(cursor)
        for statement in SETUP_SQL:
            cursor.execute(statement)
        raw = cursor.cursor  # psycopg2's own cursor, for COPY and execute_values
        execute_values(raw, "INSERT INTO charge_currency (code, exponent) VALUES %s",
                       list(v.supported_currencies().items()))
        source = _StageSource(stream, errors, on_progress)
        with _step("read + COPY to staging"):
            raw.copy_expert(
                f"COPY charge_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN WITH (FORMAT text)",
                source, size=COPY_CHUNK,
            )
        with _step("analyze staging"):
            cursor.execute("ANALYZE charge_stage")
        with _step("dates, rates, schedules"):
            _load_days(raw)
            for statement in RATES_SQL:
                cursor.execute(statement, params)
            cursor.execute("ANALYZE charge_day, charge_currency, charge_rate, charge_schedule")
        with _step("base (joins)"):
            cursor.execute(BASE_SQL, params)
            cursor.execute("ANALYZE charge_base")
        with _step("rules"):
            cursor.execute(WORK_SQL, params)
            cursor.execute("SELECT coalesce(sum(error_count), 0) FROM charge_work WHERE error_count > 0")
            sql_total = int(cursor.fetchone()[0])
        if on_progress:
            on_progress("validating", source.rows)
        if sql_total or errors:
            found: list[RowError] = list(errors.errors)
            if sql_total:
                cursor.execute(ERRORS_SQL, params)
                found += [v.row_error(row, column, reason) for row, column, reason in cursor.fetchall()]
            found.sort(key=v.sort_key)
            raise FileRejected(found[:MAX_REPORTED_ERRORS], errors.total + sql_total)

        _run_posting_guards(cursor)
        params["posting_seq"] = ledger_services.posting_id_sequence()
        with _step("plan (figures, ids)"):
            cursor.execute(PLAN_SQL, params)
            cursor.execute("CREATE INDEX ON charge_plan (row_no)")
        with _step("insert postings"):
            written = ledger_services.postings_insert_rows(select_sql=POSTINGS_SQL, params=params)
        holds_settle_staged(cursor=cursor)  # SPEC 10: presented charges settle their authorization holds
        if on_progress:
            on_progress("posting", source.rows)
        totals: dict[str, dict[str, Any]] = {}
        posting_count = flagged = 0
        for kind, currency, count, amount, flagged_count in written:
            entry = totals.setdefault(kind, {"count": 0, "amounts": {}})
            entry["count"] += count
            entry["amounts"][currency] = str(amount)
            posting_count += count
            flagged += flagged_count
    return {"row_count": source.rows, "posting_count": posting_count, "flagged_count": flagged, "totals": totals}
