"""`manage.py export_statements --period YYYY-MM [--company N] --format json|csv|pdf --out PATH` (SPEC section 16)."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accounts.models import Company, Language
from amexprog.common.csvfiles import safe_csv_writer
from statements.models import CompanyStatement, Statement
from statements.rendering import (
    CSV_COLUMNS,
    StatementData,
    company_statement_document,
    render_company_statement_pdf,
    render_statement_pdf,
    statement_csv_rows,
    statement_documents,
    statement_json,
)
from statements.rendering.selectors import statements_for_documents

CHUNK = 200  # statements built per query of their lines
BAD_PERIOD = "--period must be a month as YYYY-MM (e.g. 2026-03), not {value!r}."
UNKNOWN_COMPANY = "No company has the number {number!r}."
NO_DIRECTORY = "The folder {folder} does not exist; create it first."
NOT_A_DIRECTORY = "{path} exists and is not a folder; a PDF export writes a folder of PDFs, or a .zip file."
CANNOT_WRITE = "Cannot write {path}: {reason}."
IS_A_DIRECTORY = "{path} is a folder; give a file name to write."
EXPORTED = "Exported {count} statement(s) of {period} to {path}"
EXPORTED_COMPANY_STATEMENTS = "… and {count} company statement(s) (central billing)"


def parse_period(value: str) -> tuple[dt.date, dt.date]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CommandError(BAD_PERIOD.format(value=value))
    year, month = int(match.group(1)), int(match.group(2))
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


class Command(BaseCommand):
    help = (
        "Export the statements whose statement date falls in a month. "
        "json: one file holding a list of statements (SPEC section 16's statement JSON). "
        "csv: one row per statement line, each repeating its statement's figures (a statement without "
        "lines gets one row with the line columns empty). "
        "pdf: one PDF per statement, plus one per company statement (central billing), written into the "
        "folder PATH (created if missing), or into a zip archive when PATH ends in .zip. "
        "Documents are in each holder's language unless --language is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, metavar="YYYY-MM", help="the month of the statement dates")
        parser.add_argument("--company", metavar="N", help="only this company's statements (company number)")
        parser.add_argument("--format", required=True, choices=["json", "csv", "pdf"], dest="output_format")
        parser.add_argument("--out", required=True, type=Path, metavar="PATH",
                            help="the file (json, csv), or the folder or .zip file (pdf) to write")
        parser.add_argument("--language", choices=Language.values,
                            help="render every document in this language instead of the holder's")

    def handle(self, *args, period: str, company: str | None, output_format: str, out: Path,
               language: str | None, **options) -> None:
        first, last = parse_period(period)
        statements = Statement.objects.filter(statement_date__gte=first, statement_date__lte=last)
        company_statements = CompanyStatement.objects.filter(statement_date__gte=first, statement_date__lte=last)
        if company is not None:
            found = Company.objects.filter(number=company).first()
            if found is None:
                raise CommandError(UNKNOWN_COMPANY.format(number=company))
            statements = statements.filter(account__company=found)
            company_statements = company_statements.filter(company=found)
        ids = list(statements.order_by("statement_date", "account__number").values_list("pk", flat=True))
        self.quiet = options.get("verbosity", 1) < 1
        self.language = language
        _check_destination(out, output_format)
        company_ids: list[int] = []
        try:
            if output_format == "json":
                with _atomic_file(out) as handle:
                    self._write_json(ids, handle)
            elif output_format == "csv":
                with _atomic_file(out) as handle:
                    self._write_csv(ids, handle)
            else:
                company_ids = list(company_statements.order_by("statement_date", "company__number")
                                   .values_list("pk", flat=True))
                self._write_pdfs(ids, company_ids, out)
        except OSError as exc:
            raise CommandError(CANNOT_WRITE.format(path=out, reason=exc.strerror or exc)) from exc
        self.stdout.write(self.style.SUCCESS(EXPORTED.format(count=len(ids), period=period, path=out)))
        if company_ids:
            self.stdout.write(EXPORTED_COMPANY_STATEMENTS.format(count=len(company_ids)))

    def _documents(self, ids: list[int]) -> Iterator[StatementData]:
        with tqdm(total=len(ids), desc="statements", unit="statement", file=self.stderr, disable=self.quiet,
                  dynamic_ncols=True) as bar:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                rows = {s.pk: s for s in statements_for_documents(Statement.objects.filter(pk__in=chunk))}
                for document in statement_documents([rows[pk] for pk in chunk], language=self.language):
                    yield document
                    bar.update(1)

    def _write_json(self, ids: list[int], handle: IO[str]) -> None:
        handle.write("[")
        for position, document in enumerate(self._documents(ids)):
            handle.write(",\n" if position else "\n")
            handle.write(json.dumps(statement_json(document), ensure_ascii=False, indent=2))
        handle.write("\n]\n" if ids else "]\n")

    def _write_csv(self, ids: list[int], handle: IO[str]) -> None:
        writer = safe_csv_writer(handle, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for document in self._documents(ids):
            writer.writerows(statement_csv_rows(document))

    def _write_pdfs(self, ids: list[int], company_ids: list[int], out: Path) -> None:
        if out.suffix.lower() == ".zip":
            with _atomic_file(out, binary=True) as handle:
                with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
                    for name, content in self._pdfs(ids, company_ids):
                        archive.writestr(name, content)
            return
        out.mkdir(exist_ok=True)
        for name, content in self._pdfs(ids, company_ids):
            with _atomic_file(out / name, binary=True) as handle:
                handle.write(content)

    def _pdfs(self, ids: list[int], company_ids: list[int]) -> Iterator[tuple[str, bytes]]:
        for document in self._documents(ids):
            yield document.filename, render_statement_pdf(document)
        for company_statement in CompanyStatement.objects.filter(pk__in=company_ids).select_related("company"):
            document = company_statement_document(company_statement, language=self.language)
            yield document.filename, render_company_statement_pdf(document)


def _check_destination(out: Path, output_format: str) -> None:
    if not out.parent.resolve().is_dir():
        raise CommandError(NO_DIRECTORY.format(folder=out.parent))
    writes_folder = output_format == "pdf" and out.suffix.lower() != ".zip"
    if writes_folder and out.exists() and not out.is_dir():
        raise CommandError(NOT_A_DIRECTORY.format(path=out))
    if not writes_folder and out.is_dir():
        raise CommandError(IS_A_DIRECTORY.format(path=out))


@contextmanager
def _atomic_file(path: Path, *, binary: bool = False) -> Iterator[IO]:
    """Write beside `path` and rename on success: a failed export leaves no half-written file."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8",
                                                                                  "newline": ""})) as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
