"""The company-wide transactions (SPEC 18, issue 19 item 3; SPEC 16, issue 18 item 6): postings and
authorizations in one row shape, as a database view. Imported into charges.models.

An unmanaged model whose table is a subquery (a UNION ALL of the two tables), written into the FROM
clause of every query on it: to the ORM it is an ordinary model, so the portal, its exports and the
API filter, sort, count and paginate it (by page or by cursor) like any list, and PostgreSQL pushes a
filter (company, date, kind…) into both branches, where the tables' indexes serve it. Not a database
view: a view pins the columns it reads, so a later migration that alters the posting or
authorization table fails (PostgreSQL refuses to change a column a view uses; SQLite's table rebuild
finds the view broken), and every session's migrations would have to drop and re-create it. The
subquery only reads: postings are still written by ledger.services alone.

What a row is:
- every posting of the company's accounts (the ledger: charges, refunds, fees, payments…), status
  `posted`;
- every authorization that has no posting yet: declined ones (`declined`), approved ones whose hold is
  open (`pending`) or expired without a charge (`expired`). An approved authorization whose charge was
  presented is the charge's posting, so no amount appears twice.
"""

from __future__ import annotations

from django.db import models
from django.db.models.sql.datastructures import BaseTable
from django.utils.translation import gettext_lazy as _


class TransactionSource(models.TextChoices):
    POSTING = "posting", _("Posting")
    AUTHORIZATION = "authorization", _("Authorization")


class TransactionStatus(models.TextChoices):
    POSTED = "posted", _("Posted")
    PENDING = "pending", _("Pending")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


# The rows' SQL, one branch per source, for both SQLite and PostgreSQL (plain SQL-92 only). Ids are
# made unique across the branches: a posting's id times two, an authorization's times two plus one.
TABLE_ALIAS = "charges_companytransaction"
ROWS_SQL = """
SELECT p.id * 2 AS id, 'posting' AS source, p.id AS source_id, acc.company_id AS company_id,
       p.account_id AS account_id, acc.cardmember_id AS cardmember_id, p.card_id AS card_id,
       p.posting_date AS date, p.created_at AS created_at, p.created_at AS updated_at, p.kind AS kind,
       'posted' AS status,
       p.amount AS amount, p.amount_currency AS currency,
       p.original_amount AS original_amount, p.original_amount_currency AS original_currency,
       p.merchant_name AS merchant_name, p.merchant_city AS merchant_city,
       p.merchant_country AS merchant_country, p.mcc AS mcc, p.description AS description, '' AS reason
  FROM ledger_posting p
  JOIN accounts_account acc ON acc.id = p.account_id
UNION ALL
SELECT a.id * 2 + 1, 'authorization', a.id, acc.company_id,
       a.account_id, acc.cardmember_id, a.card_id,
       a.decided_on, a.decided_at, COALESCE(h.updated_at, a.updated_at), a.type,
       CASE WHEN NOT a.approved THEN 'declined' WHEN h.status = 'expired' THEN 'expired' ELSE 'pending' END,
       COALESCE(a.billed_amount, CASE WHEN a.currency = a.billing_currency THEN a.amount END), a.billing_currency,
       CASE WHEN a.currency <> a.billing_currency THEN a.amount END,
       CASE WHEN a.currency <> a.billing_currency THEN a.currency ELSE '' END,
       a.merchant_name, a.merchant_city, a.merchant_country, a.mcc, '', a.reason
  FROM charges_authorization a
  JOIN accounts_account acc ON acc.id = a.account_id
  LEFT JOIN charges_hold h ON h.authorization_id = a.id
 WHERE h.id IS NULL OR h.status <> 'settled'
"""


class _RowsTable(BaseTable):
    """The query's base table, as the subquery of ROWS_SQL named like the model's table."""

    def as_sql(self, compiler, connection):
        return f"({ROWS_SQL}) {compiler.quote_name_unless_alias(self.table_alias)}", []


class CompanyTransactionQuerySet(models.QuerySet):
    def __init__(self, model=None, query=None, using=None, hints=None):
        super().__init__(model, query, using, hints)
        if query is None and model is not None:
            alias = self.query.get_initial_alias()
            table = self.query.alias_map[alias]
            self.query.alias_map[alias] = _RowsTable(table.table_name, table.table_alias)


class CompanyTransaction(models.Model):
    """One row of a company's transactions: a posting, or an authorization not (yet) posted (SPEC 18)."""

    source = models.CharField(_("source"), max_length=16, choices=TransactionSource.choices)
    source_id = models.BigIntegerField(_("id of the posting or authorization"))
    company = models.ForeignKey("accounts.Company", on_delete=models.DO_NOTHING, related_name="+",
                                db_constraint=False, verbose_name=_("company"))
    account = models.ForeignKey("accounts.Account", on_delete=models.DO_NOTHING, related_name="+",
                                db_constraint=False, verbose_name=_("account"))
    cardmember = models.ForeignKey("accounts.Cardmember", on_delete=models.DO_NOTHING, related_name="+",
                                   db_constraint=False, verbose_name=_("cardmember"))
    card = models.ForeignKey("accounts.Card", on_delete=models.DO_NOTHING, related_name="+", null=True,
                             db_constraint=False, verbose_name=_("card"))
    date = models.DateField(_("date"))
    created_at = models.DateTimeField(_("created at"))
    # A posting never changes (its created_at); an authorization's row changes when its hold does (SPEC 16).
    updated_at = models.DateTimeField(_("updated at"))
    kind = models.CharField(_("kind"), max_length=24)
    status = models.CharField(_("status"), max_length=16, choices=TransactionStatus.choices)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=3, null=True)
    currency = models.CharField(_("currency"), max_length=3)
    original_amount = models.DecimalField(_("original amount"), max_digits=18, decimal_places=3, null=True)
    original_currency = models.CharField(_("original currency"), max_length=3, blank=True)
    merchant_name = models.CharField(_("merchant name"), max_length=100, blank=True)
    merchant_city = models.CharField(_("merchant city"), max_length=60, blank=True)
    merchant_country = models.CharField(_("merchant country"), max_length=2, blank=True)
    mcc = models.CharField(_("MCC"), max_length=4, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    reason = models.CharField(_("decline reason"), max_length=32, blank=True)

    objects = CompanyTransactionQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = TABLE_ALIAS
        base_manager_name = "objects"
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.source_id}"
