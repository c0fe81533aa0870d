"""``manage.py bench_dashboards``: the dashboards at the issue's size, in a throwaway
PostgreSQL database (README, *Benchmark*); the benchmark itself is
``benchmarks.dashboards``."""

from django.core.management.base import BaseCommand

from benchmarks.dashboards.run import Options, bench_dashboards


class Command(BaseCommand):
    help = (
        "Time the dashboards with 50,000 households, 700,000 checks and 5,000 referrals in a "
        "throwaway database (<name>_dashbench) that is dropped afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=50_000)
        parser.add_argument("--departments", type=int, default=14, help="checks per request")
        parser.add_argument(
            "--applications", type=int, default=2_500, help="each with two referrals"
        )
        parser.add_argument("--runs", type=int, default=20, help="requests timed per page")
        parser.add_argument("--keep", action="store_true", help="keep the bench database")

    def handle(self, *args, **options):
        bench_dashboards(
            Options(
                households=options["households"],
                departments=options["departments"],
                applications=options["applications"],
                runs=options["runs"],
                keep=options["keep"],
            ),
            self.stdout,
        )
