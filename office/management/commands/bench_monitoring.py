"""``manage.py bench_monitoring``: the warning rules and the hardship scores at the issue's
size, in a throwaway PostgreSQL database (README, *Benchmark*); the benchmark itself is
``benchmarks.monitoring``."""

from django.core.management.base import BaseCommand

from benchmarks.monitoring.run import Options, bench_monitoring


class Command(BaseCommand):
    help = (
        "Time every warning rule and the hardship scores over 50,000 households, 700,000 "
        "findings and 100,000 ledger rows in a throwaway database (<name>_monbench), against "
        "one bare SQL statement per rule; the database is dropped afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=50_000, help="of three people")
        parser.add_argument("--findings", type=int, default=700_000, help="at most five per person")
        parser.add_argument("--ledger", type=int, default=100_000, help="ledger entries")
        parser.add_argument("--keep", action="store_true", help="keep the bench database")

    def handle(self, *args, **options):
        bench_monitoring(
            Options(
                households=options["households"],
                findings=options["findings"],
                ledger=options["ledger"],
                keep=options["keep"],
            ),
            self.stdout,
        )
