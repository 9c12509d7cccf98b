# The authorization decision of SPEC section 10 in fewer statements (issue 17 item 5): the same function as
# migration 0012, the same checks in the same order and the same answers, but a decision runs about half as
# many statements inside it. Each statement a PL/pgSQL function runs costs executor start-up, relation locks
# and shut-down whatever it reads, and that fixed cost, not the reads, was most of the function's time:
# - the card, account and company (locked as before), both levels of controls (folded into the effective
#   limits and the MCC and country blocks as accounts.controls does) and the programme rules come in one
#   statement (were four);
# - the account's statement date, open holds and posted spend, the company's hold total and what its
#   accounts owe come in one statement (were six);
# - the ECB rates of the last rate day in one (were two);
# - a transaction id seen before is no longer looked up first: replays are rare, so, as on the Python path,
#   the unique insert finds them (ON CONFLICT), and so do the error answers (unknown card, no programme rules,
#   no rates, no fee schedule), which a replay of a decided request must not give;
# - an approved decision adds its hold to the company's kept total (CompanyHoldTotal) itself, under the
#   company's lock it holds anyway, instead of leaving a HoldChange row through the insert trigger: those rows
#   were summed by every later decision of the company and folded every 32, and the folds' deleted rows
#   (until a vacuum) made that sum read ever more of the table (0.1 ms at the start of a benchmark run,
#   0.4 ms by its end). Other writers of holds (settling, expiry, imports, the admin) still leave HoldChange
#   rows, so the total plus the pending changes is still the sum of the open holds;
# - the answer is one row of OUT parameters (no result set to fill), with the card, company and account
#   number the decision's event needs (charges.authorization_sql.DECIDE_SQL no longer joins them again).
# charges/authorizations.py is the same decision in Python (the SQLite path); every test of tests/charges
# runs against both.
import importlib

from django.db import migrations

FUNCTION_SQL = r"""
CREATE FUNCTION charges_authorization_decide(
  p_transaction_id text, p_pan_hash text, p_type text, p_amount numeric, p_currency text, p_merchant_name text,
  p_merchant_city text, p_merchant_country text, p_mcc text, p_entry_mode text, p_pin_verified boolean,
  p_recurring boolean, p_merchant_key text, p_on date, p_at timestamptz, p_exponents jsonb,
  p_fold_at integer, p_refresh_after interval,
  OUT outcome text, OUT approved boolean, OUT reason text, OUT hold_amount numeric, OUT billing_currency text,
  OUT available_spend numeric, OUT detail text, OUT card bigint, OUT company bigint, OUT account_number text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  ex charges_authorization%ROWTYPE;
  v_card bigint; v_card_status text; v_expiry date; v_contactless boolean; v_card_cash boolean;
  v_account bigint; v_account_status text; v_currency text; v_opened date; v_number text;
  v_company bigint; v_company_status text; v_market text; v_cash_allowed boolean; v_credit numeric;
  v_rules bigint; v_hold_days integer;
  v_mcc_blocked boolean; v_country_blocked boolean;
  v_month date := p_on - (extract(day FROM p_on)::integer - 1);
  h_company numeric; h_pending bigint; h_day numeric; h_month numeric; h_period numeric; h_cash_day numeric;
  h_cash_period numeric;
  s_day numeric; s_month numeric; s_period numeric; s_cash_day numeric; s_cash_period numeric;
  o_owed numeric; o_computed timestamptz; o_changes bigint; v_counted bigint[];
  x_amount numeric := 0.00; x_count integer := 0;
  v_exposure numeric;
  v_outcome text; v_detail text;
  v_reason text := ''; v_explanation jsonb := '{}'::jsonb;
  v_bexp integer; v_foreign boolean; v_cash boolean := p_type = 'cash';
  v_rate_date date; r_cur numeric; r_usd numeric; r_bill numeric; v_usd numeric;
  v_billed numeric; v_hold numeric; v_fees numeric := 0;
  f_fx numeric; f_cash numeric; f_cash_min numeric;
  l_auth numeric; l_day numeric; l_month numeric; l_period numeric; l_cash_tx numeric; l_cash_day numeric;
  l_cash_period numeric; l_charge numeric; l_cumulative numeric; l_count integer;
  v_hold_for_spend numeric; v_available numeric; v_id bigint;
BEGIN
  <<decide>>
  BEGIN
    -- The card and its company, locked for the whole decision (the Python path's order and lock); the
    -- effective controls, the tightest of all levels (accounts.controls.effective_controls); the programme
    -- rules in force for the company's market (accounts.rules.programme_rules).
    SELECT c.id, c.status, c.expiry, c.contactless, c.cash_enabled,
           a.id, a.status, a.currency, a.opened_on, a.number,
           co.id, co.status, co.market, co.cash_allowed, co.credit_limit,
           r.id, r.hold_days,
           LEAST(kc.authorization_limit, cc.authorization_limit), LEAST(kc.daily_limit, cc.daily_limit),
           LEAST(kc.monthly_limit, cc.monthly_limit, c.monthly_limit), LEAST(kc.period_limit, cc.period_limit),
           LEAST(kc.cash_transaction_limit, cc.cash_transaction_limit),
           LEAST(kc.cash_daily_limit, cc.cash_daily_limit), LEAST(kc.cash_period_limit, cc.cash_period_limit),
           LEAST(kc.contactless_charge_limit, cc.contactless_charge_limit, r.contactless_charge_limit),
           LEAST(kc.contactless_cumulative_limit, cc.contactless_cumulative_limit, r.contactless_cumulative_limit),
           LEAST(kc.contactless_cumulative_count, cc.contactless_cumulative_count, r.contactless_count_limit),
           co.blocked_mccs ? p_mcc OR c.blocked_mccs ? p_mcc OR COALESCE(kc.blocked_mccs ? p_mcc, false)
             OR COALESCE(cc.blocked_mccs ? p_mcc, false)
             OR COALESCE(jsonb_array_length(kc.allowed_mccs) > 0 AND NOT kc.allowed_mccs ? p_mcc, false)
             OR COALESCE(jsonb_array_length(cc.allowed_mccs) > 0 AND NOT cc.allowed_mccs ? p_mcc, false),
           COALESCE(kc.blocked_countries ? p_merchant_country, false)
             OR COALESCE(cc.blocked_countries ? p_merchant_country, false)
             OR COALESCE(jsonb_array_length(kc.allowed_countries) > 0
                         AND NOT kc.allowed_countries ? p_merchant_country, false)
             OR COALESCE(jsonb_array_length(cc.allowed_countries) > 0
                         AND NOT cc.allowed_countries ? p_merchant_country, false)
      INTO v_card, v_card_status, v_expiry, v_contactless, v_card_cash,
           v_account, v_account_status, v_currency, v_opened, v_number,
           v_company, v_company_status, v_market, v_cash_allowed, v_credit,
           v_rules, v_hold_days,
           l_auth, l_day, l_month, l_period, l_cash_tx, l_cash_day, l_cash_period, l_charge, l_cumulative, l_count,
           v_mcc_blocked, v_country_blocked
      FROM accounts_card c JOIN accounts_account a ON a.id = c.account_id
      JOIN accounts_company co ON co.id = a.company_id
      LEFT JOIN accounts_spendingcontrols kc ON kc.company_id = co.id
      LEFT JOIN accounts_spendingcontrols cc ON cc.card_id = c.id
      LEFT JOIN LATERAL (SELECT r.id, r.hold_days, r.contactless_charge_limit, r.contactless_cumulative_limit,
                                r.contactless_count_limit
                           FROM accounts_programmerules r WHERE r.market = co.market AND r.effective_from <= p_on
                          ORDER BY r.effective_from DESC LIMIT 1) r ON true
     WHERE c.pan_hash = p_pan_hash
       FOR NO KEY UPDATE OF c, co;
    IF NOT FOUND THEN
      v_outcome := 'card_not_found';
      EXIT decide;
    END IF;
    IF v_rules IS NULL THEN
      v_outcome := 'no_programme_rules'; v_detail := v_market;
      EXIT decide;
    END IF;

    -- Spend: the account's open holds and posted spend (since it was last billed or since the month began),
    -- the company's open holds (kept total plus the changes since, less holds past expiry not yet closed)
    -- and what its accounts owe as charges.exposure keeps it, with the count of changes since.
    SELECT hc.company, hc.pending, h.day, h.month, h.period, h.cash_day, h.cash_period,
           s.day, s.month, s.period, s.cash_day, s.cash_period, o.owed, o.computed_at,
           (SELECT COUNT(*) FROM charges_exposurechange WHERE company_id = v_company)
      INTO h_company, h_pending, h_day, h_month, h_period, h_cash_day, h_cash_period,
           s_day, s_month, s_period, s_cash_day, s_cash_period, o_owed, o_computed, o_changes
      FROM (SELECT COALESCE((SELECT open_amount FROM charges_companyholdtotal WHERE company_id = v_company), 0)
                   + COALESCE(SUM(amount), 0)
                   - COALESCE((SELECT SUM(amount) FROM charges_hold WHERE company_id = v_company AND status = 'open'
                                 AND expires_on <= p_on), 0) AS company,
                   COUNT(*) AS pending
              FROM charges_holdchange WHERE company_id = v_company) hc
     CROSS JOIN (
           SELECT COALESCE(SUM(CASE WHEN created_on = p_on THEN amount END), 0) AS day,
                  COALESCE(SUM(CASE WHEN created_on >= v_month THEN amount END), 0) AS month,
                  COALESCE(SUM(amount), 0) AS period,
                  COALESCE(SUM(CASE WHEN kind = 'cash' AND created_on = p_on THEN base_amount END), 0) AS cash_day,
                  COALESCE(SUM(CASE WHEN kind = 'cash' THEN base_amount END), 0) AS cash_period
             FROM charges_hold WHERE account_id = v_account AND status = 'open' AND expires_on > p_on) h
     CROSS JOIN (
           SELECT COALESCE(SUM(CASE WHEN transaction_date = p_on THEN amount END), 0) AS day,
                  COALESCE(SUM(CASE WHEN transaction_date >= v_month AND transaction_date <= p_on THEN amount END),
                           0) AS month,
                  COALESCE(SUM(CASE WHEN unbilled THEN amount END), 0) AS period,
                  COALESCE(SUM(CASE WHEN kind = 'cash' AND transaction_date = p_on THEN amount END), 0) AS cash_day,
                  COALESCE(SUM(CASE WHEN kind = 'cash' AND unbilled THEN amount END), 0) AS cash_period
             FROM (SELECT kind, amount, transaction_date, posting_date > billed.through AS unbilled,
                          kind IN ('purchase', 'cash', 'refund', 'fee_fx', 'fee_cash') AS spend
                     FROM ledger_posting,
                          (SELECT COALESCE(MAX(statement_date), v_opened - 1) AS through FROM statements_statement
                            WHERE account_id = v_account) billed
                    WHERE account_id = v_account AND (posting_date > billed.through OR transaction_date >= v_month)
                   OFFSET 0) account_postings
            WHERE spend) s
      LEFT JOIN charges_companyexposure o ON o.company_id = v_company;
    IF h_pending >= p_fold_at THEN
      WITH folded AS (DELETE FROM charges_holdchange WHERE company_id = v_company RETURNING amount)
      INSERT INTO charges_companyholdtotal (company_id, open_amount)
      SELECT v_company, COALESCE(SUM(amount), 0) FROM folded
      ON CONFLICT (company_id) DO UPDATE
        SET open_amount = charges_companyholdtotal.open_amount + EXCLUDED.open_amount;
    END IF;
    IF o_owed IS NULL OR o_changes > 0 OR o_computed IS NULL OR p_at - o_computed > p_refresh_after THEN
      SELECT COALESCE((SELECT SUM(GREATEST(b.balance, 0)) FROM (
                SELECT COALESCE((SELECT s.closing_balance FROM statements_statement s WHERE s.account_id = a.id
                                  ORDER BY s.statement_date DESC LIMIT 1), 0)
                     + COALESCE((SELECT SUM(l.amount) FROM ledger_posting l
                                  WHERE l.account_id = a.id
                                    AND l.posting_date > COALESCE((SELECT MAX(s.statement_date)
                                                                     FROM statements_statement s
                                                                    WHERE s.account_id = a.id), '0001-01-01'::date)),
                                0) AS balance
                  FROM accounts_account a WHERE a.company_id = v_company OFFSET 0) b), 0),
             (SELECT array_agg(id) FROM charges_exposurechange WHERE company_id = v_company)
        INTO o_owed, v_counted;
      o_owed := round(o_owed, 2);
      INSERT INTO charges_companyexposure (company_id, owed, computed_at) VALUES (v_company, o_owed, p_at)
      ON CONFLICT (company_id) DO UPDATE SET owed = EXCLUDED.owed, computed_at = EXCLUDED.computed_at;
      IF v_counted IS NOT NULL THEN
        DELETE FROM charges_exposurechange WHERE id = ANY (v_counted);
      END IF;
    END IF;
    v_exposure := round(h_company + o_owed, 2);
    h_day := round(h_day + s_day, 2); h_month := round(h_month + s_month, 2);
    h_period := round(h_period + s_period, 2);
    h_cash_day := round(h_cash_day + s_cash_day, 2); h_cash_period := round(h_cash_period + s_cash_period, 2);
    IF p_entry_mode = 'contactless' AND NOT p_pin_verified THEN
      SELECT round(COALESCE(SUM(billed_amount), 0), 2), COUNT(*) INTO x_amount, x_count FROM charges_authorization
       WHERE card_id = v_card AND charges_authorization.approved AND entry_mode = 'contactless' AND NOT pin_verified
         AND id > COALESCE((SELECT MAX(id) FROM charges_authorization
                             WHERE card_id = v_card AND charges_authorization.approved AND pin_verified), 0);
    END IF;

    -- The checks, in the order of charges/authorizations.py; the first that fails is the one reason.
    IF v_card_status IN ('lost', 'stolen') THEN v_reason := 'card_lost_or_stolen';
    ELSIF v_card_status = 'expired' OR v_expiry < p_on THEN v_reason := 'card_expired';
    ELSIF v_card_status <> 'active' THEN v_reason := 'card_not_active';
    ELSIF v_company_status = 'suspended' THEN v_reason := 'company_suspended';
    ELSIF v_account_status NOT IN ('active', 'in_default') OR v_company_status <> 'active' THEN
      v_reason := 'account_not_in_good_standing';
    ELSIF p_recurring AND p_merchant_key <> '' AND EXISTS (
        SELECT 1 FROM disputes_recurringstop s JOIN accounts_card k ON k.id = s.card_id
         WHERE k.account_id = v_account AND (s.revoked_on IS NULL OR s.revoked_on > p_on)
           AND s.merchant_key = p_merchant_key AND s.effective_from <= p_on AND (s.mcc = '' OR s.mcc = p_mcc)) THEN
      v_reason := 'recurring_stopped'; v_explanation := jsonb_build_object('merchant_name', p_merchant_name);
    ELSIF v_cash AND NOT (v_cash_allowed AND v_card_cash) THEN v_reason := 'cash_not_enabled';
    ELSIF v_mcc_blocked THEN
      v_reason := 'mcc_blocked'; v_explanation := jsonb_build_object('mcc', p_mcc);
    ELSIF v_country_blocked THEN
      v_reason := 'merchant_country_blocked'; v_explanation := jsonb_build_object('country', p_merchant_country);
    ELSE
      -- The amount as the charge would post (SPEC sections 6, 7; charges.fx): via USD, rounded half-up.
      v_bexp := COALESCE((p_exponents ->> v_currency)::integer, 2);
      v_foreign := p_currency <> v_currency;
      IF v_foreign THEN
        SELECT w.day,
               COALESCE(MAX(f.rate) FILTER (WHERE f.currency = p_currency), CASE WHEN p_currency = 'EUR' THEN 1 END),
               COALESCE(MAX(f.rate) FILTER (WHERE f.currency = 'USD'), NULL),
               COALESCE(MAX(f.rate) FILTER (WHERE f.currency = v_currency), CASE WHEN v_currency = 'EUR' THEN 1 END)
          INTO v_rate_date, r_cur, r_usd, r_bill
          FROM (SELECT MAX(rate_date) AS day FROM charges_fxrate WHERE rate_date < p_on AND rate_date >= p_on - 7) w
          LEFT JOIN charges_fxrate f ON f.rate_date = w.day
         GROUP BY w.day;
        IF v_rate_date IS NULL OR r_cur IS NULL OR r_usd IS NULL OR r_bill IS NULL THEN
          v_outcome := 'fx_rates_unavailable'; v_detail := v_market;
          EXIT decide;
        END IF;
        v_usd := CASE WHEN p_currency = 'USD' THEN p_amount
                      ELSE round((p_amount * r_usd)::numeric(100, 50) / r_cur, 2) END;
        v_billed := round((v_usd * r_bill)::numeric(100, 50) / r_usd, v_bexp);
      ELSE
        v_billed := round(p_amount, v_bexp);
      END IF;
      IF v_foreign OR v_cash THEN
        SELECT fx_fee_percent, cash_fee_percent, cash_fee_minimum INTO f_fx, f_cash, f_cash_min
          FROM fees_feeschedule WHERE market = v_market AND effective_from <= p_on
         ORDER BY effective_from DESC LIMIT 1;
        IF NOT FOUND THEN
          v_outcome := 'no_fee_schedule'; v_detail := v_market;
          EXIT decide;
        END IF;
        IF v_foreign THEN v_fees := v_fees + round(v_billed * f_fx / 100, v_bexp); END IF;
        IF v_cash THEN v_fees := v_fees + GREATEST(round(v_billed * f_cash / 100, v_bexp), f_cash_min); END IF;
      END IF;
      v_hold := v_billed + v_fees;
      IF v_cash AND l_cash_tx IS NOT NULL AND v_billed > l_cash_tx THEN
        v_reason := 'cash_limit_exceeded';
        v_explanation := charges_authorization_over('cash_transaction_limit', l_cash_tx, 0.00, v_billed);
      ELSIF v_cash AND l_cash_day IS NOT NULL AND h_cash_day + v_billed > l_cash_day THEN
        v_reason := 'cash_limit_exceeded';
        v_explanation := charges_authorization_over('cash_daily_limit', l_cash_day, h_cash_day, v_billed);
      ELSIF v_cash AND l_cash_period IS NOT NULL AND h_cash_period + v_billed > l_cash_period THEN
        v_reason := 'cash_limit_exceeded';
        v_explanation := charges_authorization_over('cash_period_limit', l_cash_period, h_cash_period, v_billed);
      ELSIF l_auth IS NOT NULL AND v_hold > l_auth THEN
        v_reason := 'card_limit_exceeded';
        v_explanation := charges_authorization_over('authorization_limit', l_auth, 0.00, v_hold);
      ELSIF l_day IS NOT NULL AND h_day + v_hold > l_day THEN
        v_reason := 'card_limit_exceeded';
        v_explanation := charges_authorization_over('daily_limit', l_day, h_day, v_hold);
      ELSIF l_month IS NOT NULL AND h_month + v_hold > l_month THEN
        v_reason := 'card_limit_exceeded';
        v_explanation := charges_authorization_over('monthly_limit', l_month, h_month, v_hold);
      ELSIF l_period IS NOT NULL AND h_period + v_hold > l_period THEN
        v_reason := 'card_limit_exceeded';
        v_explanation := charges_authorization_over('period_limit', l_period, h_period, v_hold);
      ELSIF v_exposure + v_hold > v_credit THEN
        v_reason := 'company_credit_limit_exceeded';
        v_explanation := charges_authorization_over('credit_limit', v_credit, v_exposure, v_hold);
      ELSIF p_entry_mode = 'contactless' AND NOT p_pin_verified THEN
        IF NOT v_contactless THEN
          v_reason := 'pin_required'; v_explanation := jsonb_build_object('limit', 'contactless_disabled');
        ELSIF l_charge IS NOT NULL AND v_billed > l_charge THEN
          v_reason := 'pin_required';
          v_explanation := charges_authorization_over('contactless_charge_limit', l_charge, 0.00, v_billed);
        ELSIF l_cumulative IS NOT NULL AND x_amount + v_billed > l_cumulative THEN
          v_reason := 'pin_required';
          v_explanation := charges_authorization_over('contactless_cumulative_limit', l_cumulative, x_amount,
                                                      v_billed);
        ELSIF l_count IS NOT NULL AND x_count + 1 > l_count THEN
          v_reason := 'pin_required'; v_explanation := jsonb_build_object('limit', 'contactless_cumulative_count',
            'limit_amount', l_count::text, 'used', x_count::text, 'requested', '1');
        END IF;
      END IF;
    END IF;

    -- What the card can still spend after the hold: the tightest cumulative headroom, at least zero.
    v_hold_for_spend := CASE WHEN v_reason = '' THEN v_hold ELSE 0.00 END;
    v_available := GREATEST(LEAST(v_credit - v_exposure - v_hold_for_spend, l_day - h_day - v_hold_for_spend,
                                  l_month - h_month - v_hold_for_spend, l_period - h_period - v_hold_for_spend),
                            0.00);
    INSERT INTO charges_authorization (transaction_id, type, amount, currency, merchant_name, merchant_city,
        merchant_country, mcc, entry_mode, pin_verified, recurring, approved, reason, billing_currency,
        billed_amount, hold_amount, available_spend, explanation, decided_on, decided_at, account_id, card_id)
    VALUES (p_transaction_id, p_type, p_amount, p_currency, p_merchant_name, p_merchant_city, p_merchant_country,
        p_mcc, p_entry_mode, p_pin_verified, p_recurring, v_reason = '', v_reason, v_currency, v_billed, v_hold,
        v_available, v_explanation, p_on, p_at, v_account, v_card)
    ON CONFLICT ON CONSTRAINT authorization_transaction_id_once DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
      EXIT decide;  -- a transaction id seen before (a replay, or a parallel request that decided it first)
    END IF;
    IF v_reason = '' THEN
      -- The hold, added to the company's kept total right here, under the company's lock: the insert's
      -- trigger leaves no HoldChange row for it (charges_hold_changes below), so decisions do not pile up
      -- rows that every later decision of the company sums and folds.
      PERFORM set_config('charges.hold_counted', 'on', true);
      INSERT INTO charges_hold (transaction_id, kind, amount, base_amount, currency, status, created_on,
          expires_on, account_id, authorization_id, card_id, company_id)
      VALUES (p_transaction_id, p_type, v_hold, v_billed, v_currency, 'open', p_on, p_on + v_hold_days, v_account,
          v_id, v_card, v_company);
      PERFORM set_config('charges.hold_counted', '', true);
      UPDATE charges_companyholdtotal SET open_amount = open_amount + v_hold WHERE company_id = v_company;
      IF NOT FOUND THEN
        INSERT INTO charges_companyholdtotal (company_id, open_amount) VALUES (v_company, v_hold)
        ON CONFLICT (company_id) DO UPDATE
          SET open_amount = charges_companyholdtotal.open_amount + EXCLUDED.open_amount;
      END IF;
    END IF;
    outcome := 'decided'; approved := v_reason = ''; reason := v_reason; hold_amount := round(v_hold, 2);
    billing_currency := v_currency; available_spend := round(v_available, 2);
    card := v_card; company := v_company; account_number := v_number;
    RETURN;
  END;

  -- Not decided here: a transaction id seen before answers with its first decision for the same body, else
  -- transaction_id_reused; otherwise the error found (SPEC section 10).
  SELECT * INTO ex FROM charges_authorization WHERE transaction_id = p_transaction_id;
  IF FOUND THEN
    outcome := CASE WHEN charges_authorization_same(ex, p_pan_hash, p_type, p_amount, p_currency, p_merchant_name,
        p_merchant_city, p_merchant_country, p_mcc, p_entry_mode, p_pin_verified, p_recurring)
      THEN 'replayed' ELSE 'reused' END;
    approved := ex.approved; reason := ex.reason; hold_amount := ex.hold_amount;
    billing_currency := ex.billing_currency; available_spend := ex.available_spend;
    RETURN;
  END IF;
  outcome := v_outcome; billing_currency := v_currency; detail := v_detail;
END
$fn$;
"""

# The trigger of migration 0006, except for the one insert the decision function has counted itself (the
# flag lives for that statement only: the function sets it just before and clears it just after).
TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION charges_hold_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF current_setting('charges.hold_counted', true) = 'on' THEN
      RETURN NULL;
    END IF;
    INSERT INTO charges_holdchange (company_id, amount)
      SELECT company_id, SUM(amount) FROM new_holds WHERE status = 'open' GROUP BY company_id;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO charges_holdchange (company_id, amount)
      SELECT company_id, -SUM(amount) FROM old_holds WHERE status = 'open' GROUP BY company_id;
  ELSE
    INSERT INTO charges_holdchange (company_id, amount)
      SELECT company_id, SUM(amount) FROM (
        SELECT company_id, amount FROM new_holds WHERE status = 'open'
        UNION ALL
        SELECT company_id, -amount FROM old_holds WHERE status = 'open'
      ) changed GROUP BY company_id HAVING SUM(amount) <> 0;
  END IF;
  RETURN NULL;
END $$;
"""

DROP_SQL = """
DROP FUNCTION IF EXISTS charges_authorization_decide(text, text, text, numeric, text, text, text, text, text, text,
  boolean, boolean, text, date, timestamptz, jsonb, integer, interval);
"""


def _earlier(name: str):
    return importlib.import_module(f"charges.migrations.{name}")


def replace_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # SQLite decides in Python (charges/authorizations.py)
        schema_editor.execute(TRIGGER_SQL + DROP_SQL + FUNCTION_SQL, params=None)  # %ROWTYPE is no placeholder


def restore_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        trigger = _earlier("0006_company_hold_totals").TRIGGER_SQL.split("CREATE TRIGGER", 1)[0]
        schema_editor.execute(trigger.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1) + DROP_SQL
                              + _earlier("0012_authorization_decide_function").FUNCTION_SQL, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('charges', '0014_created_at_updated_at_for_sync'),
    ]

    operations = [migrations.RunPython(replace_function, restore_function, elidable=False)]
