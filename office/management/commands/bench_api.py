"""``manage.py bench_api``: a department's system answering checks through the API, in a
throwaway PostgreSQL database (README, *Benchmark*); the benchmark itself is
``benchmarks.api``. This command gives it the API's own service to register its client."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from api import services
from api.models import Scope
from benchmarks.api.run import Options, bench_api


def _register(unit) -> str:
    _client, token = services.client_register(
        actor=None,
        name="bench_api",
        unit=unit,
        scopes=[Scope.CHECKS_READ, Scope.CHECKS_ANSWER],
        allowed_addresses="127.0.0.1",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return token


class Command(BaseCommand):
    help = (
        "Time a department's system answering checks through the API (in batches, one by "
        "one, and against bare SQL and HTTP floors) in a throwaway database "
        "(<name>_apibench) that is dropped afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--checks", type=int, default=10_000, help="answered in batches")
        parser.add_argument("--batch", type=int, default=200, help="checks per call (≤ 500)")
        parser.add_argument("--singles", type=int, default=300, help="single answers timed")
        parser.add_argument(
            "--naive",
            type=int,
            default=-1,
            help="checks answered one call each (default: as many as --checks; 0: skip)",
        )
        parser.add_argument("--clients", type=int, default=2, help="calls at once")
        parser.add_argument("--keep", action="store_true", help="keep the bench database")

    def handle(self, *args, **options):
        bench_api(Options.pick(options), self.stdout, _register)
