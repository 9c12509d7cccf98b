"""A management command that writes the three ways the audit trail must catch (tests only)."""

from django.core.management.base import BaseCommand

from tests.audit.urls import write


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("op")
        parser.add_argument("number")

    def handle(self, *args, **options):
        write(options["op"], options["number"])
