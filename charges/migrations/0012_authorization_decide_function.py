# The authorization decision of SPEC section 10 as one PostgreSQL function (issue 17 item 5): the card,
# its controls and the programme rules, spend, the company's exposure, the checks in their order, and
# the inserted decision and hold, in one round trip. charges/authorizations.py is the same decision in
# Python (the SQLite path); every test of tests/charges runs against both.
from django.db import migrations

FUNCTION_SQL = r"""
CREATE OR REPLACE FUNCTION charges_authorization_decide(
  p_transaction_id text, p_pan_hash text, p_type text, p_amount numeric, p_currency text, p_merchant_name text,
  p_merchant_city text, p_merchant_country text, p_mcc text, p_entry_mode text, p_pin_verified boolean,
  p_recurring boolean, p_merchant_key text, p_on date, p_at timestamptz, p_exponents jsonb,
  p_fold_at integer, p_refresh_after interval)
RETURNS TABLE (outcome text, approved boolean, reason text, hold_amount numeric, billing_currency text,
               available_spend numeric, detail text)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  ex charges_authorization%ROWTYPE;
  kc accounts_spendingcontrols%ROWTYPE;
  cc accounts_spendingcontrols%ROWTYPE;
  v_card bigint; v_card_status text; v_expiry date; v_contactless boolean; v_card_cash boolean;
  v_card_monthly numeric; v_card_blocked jsonb;
  v_account bigint; v_account_status text; v_currency text; v_opened date;
  v_company bigint; v_company_status text; v_market text; v_cash_allowed boolean; v_company_blocked jsonb;
  v_credit numeric;
  v_rules bigint; v_hold_days integer; v_cl_charge numeric; v_cl_cumulative numeric; v_cl_count integer;
  v_through date; v_month date := p_on - (extract(day FROM p_on)::integer - 1);
  h_company numeric; h_pending bigint; h_day numeric; h_month numeric; h_period numeric; h_cash_day numeric;
  h_cash_period numeric;
  s_day numeric; s_month numeric; s_period numeric; s_cash_day numeric; s_cash_period numeric;
  o_owed numeric; o_computed timestamptz; o_changes bigint; v_counted bigint[];
  x_amount numeric := 0.00; x_count integer := 0;
  v_exposure numeric;
  v_reason text := ''; v_explanation jsonb := '{}'::jsonb;
  v_bexp integer; v_foreign boolean; v_cash boolean := p_type = 'cash';
  v_rate_date date; r_cur numeric; r_usd numeric; r_bill numeric; v_usd numeric;
  v_billed numeric; v_hold numeric; v_fees numeric := 0;
  f_fx numeric; f_cash numeric; f_cash_min numeric;
  l_auth numeric; l_day numeric; l_month numeric; l_period numeric; l_cash_tx numeric; l_cash_day numeric;
  l_cash_period numeric; l_charge numeric; l_cumulative numeric; l_count integer;
  v_hold_for_spend numeric; v_available numeric; v_id bigint;
BEGIN
  -- A transaction id seen before: the first decision for the same body, else transaction_id_reused.
  SELECT * INTO ex FROM charges_authorization WHERE transaction_id = p_transaction_id;
  IF FOUND THEN
    RETURN QUERY SELECT CASE WHEN charges_authorization_same(ex, p_pan_hash, p_type, p_amount, p_currency,
        p_merchant_name, p_merchant_city, p_merchant_country, p_mcc, p_entry_mode, p_pin_verified, p_recurring)
      THEN 'replayed' ELSE 'reused' END, ex.approved, ex.reason::text, ex.hold_amount::numeric,
      ex.billing_currency::text, ex.available_spend::numeric, NULL::text;
    RETURN;
  END IF;

  -- The card and its company, locked for the whole decision (the Python path's order and lock).
  SELECT c.id, c.status, c.expiry, c.contactless, c.cash_enabled, c.monthly_limit, c.blocked_mccs,
         a.id, a.status, a.currency, a.opened_on,
         co.id, co.status, co.market, co.cash_allowed, co.blocked_mccs, co.credit_limit
    INTO v_card, v_card_status, v_expiry, v_contactless, v_card_cash, v_card_monthly, v_card_blocked,
         v_account, v_account_status, v_currency, v_opened,
         v_company, v_company_status, v_market, v_cash_allowed, v_company_blocked, v_credit
    FROM accounts_card c JOIN accounts_account a ON a.id = c.account_id JOIN accounts_company co ON co.id = a.company_id
   WHERE c.pan_hash = p_pan_hash
     FOR NO KEY UPDATE OF c, co;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'card_not_found', NULL::boolean, NULL::text, NULL::numeric, NULL::text, NULL::numeric,
      NULL::text;
    RETURN;
  END IF;
  SELECT r.id, r.hold_days, r.contactless_charge_limit, r.contactless_cumulative_limit, r.contactless_count_limit
    INTO v_rules, v_hold_days, v_cl_charge, v_cl_cumulative, v_cl_count
    FROM accounts_programmerules r WHERE r.market = v_market AND r.effective_from <= p_on
   ORDER BY r.effective_from DESC LIMIT 1;
  IF v_rules IS NULL THEN
    RETURN QUERY SELECT 'no_programme_rules', NULL::boolean, NULL::text, NULL::numeric, v_currency, NULL::numeric,
      v_market;
    RETURN;
  END IF;
  SELECT * INTO kc FROM accounts_spendingcontrols WHERE company_id = v_company;
  SELECT * INTO cc FROM accounts_spendingcontrols WHERE card_id = v_card;

  -- Spend: the account's open holds and posted spend, the company's open holds (kept total plus the
  -- changes since, less holds past expiry not yet closed) and what its accounts owe (charges.exposure).
  SELECT COALESCE(MAX(statement_date), v_opened - 1) INTO v_through FROM statements_statement
   WHERE account_id = v_account;
  SELECT COALESCE((SELECT open_amount FROM charges_companyholdtotal WHERE company_id = v_company), 0)
       + COALESCE(SUM(amount), 0)
       - COALESCE((SELECT SUM(amount) FROM charges_hold WHERE company_id = v_company AND status = 'open'
                     AND expires_on <= p_on), 0),
         COUNT(*)
    INTO h_company, h_pending FROM charges_holdchange WHERE company_id = v_company;
  SELECT COALESCE(SUM(CASE WHEN created_on = p_on THEN amount END), 0),
         COALESCE(SUM(CASE WHEN created_on >= v_month THEN amount END), 0),
         COALESCE(SUM(amount), 0),
         COALESCE(SUM(CASE WHEN kind = 'cash' AND created_on = p_on THEN base_amount END), 0),
         COALESCE(SUM(CASE WHEN kind = 'cash' THEN base_amount END), 0)
    INTO h_day, h_month, h_period, h_cash_day, h_cash_period
    FROM charges_hold WHERE account_id = v_account AND status = 'open' AND expires_on > p_on;
  SELECT COALESCE(SUM(CASE WHEN transaction_date = p_on THEN amount END), 0),
         COALESCE(SUM(CASE WHEN transaction_date >= v_month AND transaction_date <= p_on THEN amount END), 0),
         COALESCE(SUM(CASE WHEN unbilled THEN amount END), 0),
         COALESCE(SUM(CASE WHEN kind = 'cash' AND transaction_date = p_on THEN amount END), 0),
         COALESCE(SUM(CASE WHEN kind = 'cash' AND unbilled THEN amount END), 0)
    INTO s_day, s_month, s_period, s_cash_day, s_cash_period
    FROM (SELECT kind, amount, transaction_date, posting_date > v_through AS unbilled,
                 kind IN ('purchase', 'cash', 'refund', 'fee_fx', 'fee_cash') AS spend
            FROM ledger_posting
           WHERE account_id = v_account AND (posting_date > v_through OR transaction_date >= v_month)
          OFFSET 0) account_postings
   WHERE spend;
  IF h_pending >= p_fold_at THEN
    WITH folded AS (DELETE FROM charges_holdchange WHERE company_id = v_company RETURNING amount)
    INSERT INTO charges_companyholdtotal (company_id, open_amount)
    SELECT v_company, COALESCE(SUM(amount), 0) FROM folded
    ON CONFLICT (company_id) DO UPDATE SET open_amount = charges_companyholdtotal.open_amount + EXCLUDED.open_amount;
  END IF;
  SELECT owed, computed_at INTO o_owed, o_computed FROM charges_companyexposure WHERE company_id = v_company;
  SELECT COUNT(*) INTO o_changes FROM charges_exposurechange WHERE company_id = v_company;
  IF o_owed IS NULL OR o_changes > 0 OR o_computed IS NULL OR p_at - o_computed > p_refresh_after THEN
    SELECT COALESCE((SELECT SUM(GREATEST(b.balance, 0)) FROM (
              SELECT COALESCE((SELECT s.closing_balance FROM statements_statement s WHERE s.account_id = a.id
                                ORDER BY s.statement_date DESC LIMIT 1), 0)
                   + COALESCE((SELECT SUM(l.amount) FROM ledger_posting l
                                WHERE l.account_id = a.id
                                  AND l.posting_date > COALESCE((SELECT MAX(s.statement_date) FROM statements_statement s
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
  h_day := round(h_day + s_day, 2); h_month := round(h_month + s_month, 2); h_period := round(h_period + s_period, 2);
  h_cash_day := round(h_cash_day + s_cash_day, 2); h_cash_period := round(h_cash_period + s_cash_period, 2);
  IF p_entry_mode = 'contactless' AND NOT p_pin_verified THEN
    SELECT round(COALESCE(SUM(billed_amount), 0), 2), COUNT(*) INTO x_amount, x_count FROM charges_authorization
     WHERE card_id = v_card AND charges_authorization.approved AND entry_mode = 'contactless' AND NOT pin_verified
       AND id > COALESCE((SELECT MAX(id) FROM charges_authorization
                           WHERE card_id = v_card AND charges_authorization.approved AND pin_verified), 0);
  END IF;

  -- The effective controls (accounts.controls.effective_controls): the tightest of all levels.
  l_auth := LEAST(kc.authorization_limit, cc.authorization_limit);
  l_day := LEAST(kc.daily_limit, cc.daily_limit);
  l_month := LEAST(kc.monthly_limit, cc.monthly_limit, v_card_monthly);
  l_period := LEAST(kc.period_limit, cc.period_limit);
  l_cash_tx := LEAST(kc.cash_transaction_limit, cc.cash_transaction_limit);
  l_cash_day := LEAST(kc.cash_daily_limit, cc.cash_daily_limit);
  l_cash_period := LEAST(kc.cash_period_limit, cc.cash_period_limit);
  l_charge := LEAST(kc.contactless_charge_limit, cc.contactless_charge_limit, v_cl_charge);
  l_cumulative := LEAST(kc.contactless_cumulative_limit, cc.contactless_cumulative_limit, v_cl_cumulative);
  l_count := LEAST(kc.contactless_cumulative_count, cc.contactless_cumulative_count, v_cl_count);

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
  ELSIF v_company_blocked ? p_mcc OR v_card_blocked ? p_mcc OR COALESCE(kc.blocked_mccs ? p_mcc, false)
     OR COALESCE(cc.blocked_mccs ? p_mcc, false)
     OR COALESCE(jsonb_array_length(kc.allowed_mccs) > 0 AND NOT kc.allowed_mccs ? p_mcc, false)
     OR COALESCE(jsonb_array_length(cc.allowed_mccs) > 0 AND NOT cc.allowed_mccs ? p_mcc, false) THEN
    v_reason := 'mcc_blocked'; v_explanation := jsonb_build_object('mcc', p_mcc);
  ELSIF COALESCE(kc.blocked_countries ? p_merchant_country, false)
     OR COALESCE(cc.blocked_countries ? p_merchant_country, false)
     OR COALESCE(jsonb_array_length(kc.allowed_countries) > 0 AND NOT kc.allowed_countries ? p_merchant_country, false)
     OR COALESCE(jsonb_array_length(cc.allowed_countries) > 0 AND NOT cc.allowed_countries ? p_merchant_country, false)
     THEN
    v_reason := 'merchant_country_blocked'; v_explanation := jsonb_build_object('country', p_merchant_country);
  ELSE
    -- The amount as the charge would post (SPEC sections 6, 7; charges.fx): via USD, rounded half-up.
    v_bexp := COALESCE((p_exponents ->> v_currency)::integer, 2);
    v_foreign := p_currency <> v_currency;
    IF v_foreign THEN
      SELECT MAX(rate_date) INTO v_rate_date FROM charges_fxrate WHERE rate_date < p_on AND rate_date >= p_on - 7;
      SELECT COALESCE(MAX(rate) FILTER (WHERE currency = p_currency), CASE WHEN p_currency = 'EUR' THEN 1 END),
             COALESCE(MAX(rate) FILTER (WHERE currency = 'USD'), NULL),
             COALESCE(MAX(rate) FILTER (WHERE currency = v_currency), CASE WHEN v_currency = 'EUR' THEN 1 END)
        INTO r_cur, r_usd, r_bill FROM charges_fxrate WHERE rate_date = v_rate_date;
      IF v_rate_date IS NULL OR r_cur IS NULL OR r_usd IS NULL OR r_bill IS NULL THEN
        RETURN QUERY SELECT 'fx_rates_unavailable', NULL::boolean, NULL::text, NULL::numeric, v_currency,
          NULL::numeric, v_market;
        RETURN;
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
        RETURN QUERY SELECT 'no_fee_schedule', NULL::boolean, NULL::text, NULL::numeric, v_currency,
          NULL::numeric, v_market;
        RETURN;
      END IF;
      IF v_foreign THEN v_fees := v_fees + round(v_billed * f_fx / 100, v_bexp); END IF;
      IF v_cash THEN v_fees := v_fees + GREATEST(round(v_billed * f_cash / 100, v_bexp), f_cash_min); END IF;
    END IF;
    v_hold := v_billed + v_fees;
    IF v_cash AND l_cash_tx IS NOT NULL AND v_billed > l_cash_tx THEN
      v_reason := 'cash_limit_exceeded'; v_explanation := charges_authorization_over('cash_transaction_limit', l_cash_tx, 0.00, v_billed);
    ELSIF v_cash AND l_cash_day IS NOT NULL AND h_cash_day + v_billed > l_cash_day THEN
      v_reason := 'cash_limit_exceeded'; v_explanation := charges_authorization_over('cash_daily_limit', l_cash_day, h_cash_day, v_billed);
    ELSIF v_cash AND l_cash_period IS NOT NULL AND h_cash_period + v_billed > l_cash_period THEN
      v_reason := 'cash_limit_exceeded'; v_explanation := charges_authorization_over('cash_period_limit', l_cash_period, h_cash_period, v_billed);
    ELSIF l_auth IS NOT NULL AND v_hold > l_auth THEN
      v_reason := 'card_limit_exceeded'; v_explanation := charges_authorization_over('authorization_limit', l_auth, 0.00, v_hold);
    ELSIF l_day IS NOT NULL AND h_day + v_hold > l_day THEN
      v_reason := 'card_limit_exceeded'; v_explanation := charges_authorization_over('daily_limit', l_day, h_day, v_hold);
    ELSIF l_month IS NOT NULL AND h_month + v_hold > l_month THEN
      v_reason := 'card_limit_exceeded'; v_explanation := charges_authorization_over('monthly_limit', l_month, h_month, v_hold);
    ELSIF l_period IS NOT NULL AND h_period + v_hold > l_period THEN
      v_reason := 'card_limit_exceeded'; v_explanation := charges_authorization_over('period_limit', l_period, h_period, v_hold);
    ELSIF v_exposure + v_hold > v_credit THEN
      v_reason := 'company_credit_limit_exceeded';
      v_explanation := charges_authorization_over('credit_limit', v_credit, v_exposure, v_hold);
    ELSIF p_entry_mode = 'contactless' AND NOT p_pin_verified THEN
      IF NOT v_contactless THEN
        v_reason := 'pin_required'; v_explanation := jsonb_build_object('limit', 'contactless_disabled');
      ELSIF l_charge IS NOT NULL AND v_billed > l_charge THEN
        v_reason := 'pin_required'; v_explanation := charges_authorization_over('contactless_charge_limit', l_charge, 0.00, v_billed);
      ELSIF l_cumulative IS NOT NULL AND x_amount + v_billed > l_cumulative THEN
        v_reason := 'pin_required';
        v_explanation := charges_authorization_over('contactless_cumulative_limit', l_cumulative, x_amount, v_billed);
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
      merchant_country, mcc, entry_mode, pin_verified, recurring, approved, reason, billing_currency, billed_amount,
      hold_amount, available_spend, explanation, decided_on, decided_at, account_id, card_id)
  VALUES (p_transaction_id, p_type, p_amount, p_currency, p_merchant_name, p_merchant_city, p_merchant_country,
      p_mcc, p_entry_mode, p_pin_verified, p_recurring, v_reason = '', v_reason, v_currency, v_billed, v_hold,
      v_available, v_explanation, p_on, p_at, v_account, v_card)
  ON CONFLICT ON CONSTRAINT authorization_transaction_id_once DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    -- The same transaction id decided meanwhile by a parallel request: that decision stands.
    SELECT * INTO ex FROM charges_authorization WHERE transaction_id = p_transaction_id;
    RETURN QUERY SELECT CASE WHEN charges_authorization_same(ex, p_pan_hash, p_type, p_amount, p_currency,
        p_merchant_name, p_merchant_city, p_merchant_country, p_mcc, p_entry_mode, p_pin_verified, p_recurring)
      THEN 'replayed' ELSE 'reused' END, ex.approved, ex.reason::text, ex.hold_amount::numeric,
      ex.billing_currency::text, ex.available_spend::numeric, NULL::text;
    RETURN;
  END IF;
  IF v_reason = '' THEN
    INSERT INTO charges_hold (transaction_id, kind, amount, base_amount, currency, status, created_on, expires_on,
        account_id, authorization_id, card_id, company_id)
    VALUES (p_transaction_id, p_type, v_hold, v_billed, v_currency, 'open', p_on, p_on + v_hold_days, v_account,
        v_id, v_card, v_company);
  END IF;
  RETURN QUERY SELECT 'decided', v_reason = '', v_reason, round(v_hold, 2), v_currency, round(v_available, 2),
    NULL::text;
END
$fn$;
"""

HELPERS_SQL = r"""
CREATE OR REPLACE FUNCTION charges_authorization_over(p_name text, p_limit numeric, p_used numeric, p_adding numeric)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('limit', p_name, 'limit_amount', p_limit::text, 'used', round(p_used, 2)::text,
                            'requested', p_adding::text)
$$;
CREATE OR REPLACE FUNCTION charges_authorization_same(
  ex charges_authorization, p_pan_hash text, p_type text, p_amount numeric, p_currency text, p_merchant_name text,
  p_merchant_city text, p_merchant_country text, p_mcc text, p_entry_mode text, p_pin_verified boolean,
  p_recurring boolean) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT (SELECT pan_hash FROM accounts_card WHERE id = ex.card_id) = p_pan_hash AND ex.type = p_type
     AND ex.amount = p_amount AND ex.currency = p_currency AND ex.merchant_name = p_merchant_name
     AND ex.merchant_city = p_merchant_city AND ex.merchant_country = p_merchant_country AND ex.mcc = p_mcc
     AND ex.entry_mode = p_entry_mode AND ex.pin_verified = p_pin_verified AND ex.recurring = p_recurring
$$;
"""

DROP_SQL = """
DROP FUNCTION IF EXISTS charges_authorization_decide(text, text, text, numeric, text, text, text, text, text, text,
  boolean, boolean, text, date, timestamptz, jsonb, integer, interval);
DROP FUNCTION IF EXISTS charges_authorization_same(charges_authorization, text, text, numeric, text, text, text, text,
  text, text, boolean, boolean);
DROP FUNCTION IF EXISTS charges_authorization_over(text, numeric, numeric, numeric);
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # SQLite decides in Python (charges/authorizations.py)
        schema_editor.execute(HELPERS_SQL + FUNCTION_SQL, params=None)  # %ROWTYPE is no placeholder


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('charges', '0011_authorization_recurring'),
        ('accounts', '0001_initial'),
    ]

    operations = [migrations.RunPython(create_function, drop_function, elidable=False)]
