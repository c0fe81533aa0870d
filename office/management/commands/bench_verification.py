"""``manage.py bench_verification``: benchmark batch re-verification end to end, on
PostgreSQL and Redis with real workers, in a throwaway database (README, *Benchmark*).

Only the arguments are read here; the benchmark itself is ``benchmarks.verification``."""

from django.core.management.base import BaseCommand

from benchmarks.verification.run import Options, bench_verification


class Command(BaseCommand):
    help = (
        "Benchmark batch re-verification on PostgreSQL and Redis with real workers, in a "
        "throwaway database (<name>_bench) that is dropped afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=10_000)
        parser.add_argument("--members", type=int, default=3, help="people per household")
        parser.add_argument("--departments", type=int, default=14)
        parser.add_argument(
            "--sample", type=int, default=500, help="checks done one Celery task per check"
        )
        parser.add_argument("--singles", type=int, default=100, help="single requests timed")
        parser.add_argument("--workers", type=int, default=2, help="worker processes")
        parser.add_argument(
            "--concurrency", type=int, default=1, help="pool processes of each worker"
        )
        parser.add_argument(
            "--pool",
            default="prefork",
            choices=["prefork", "solo", "threads"],
            help="the workers' execution pool",
        )
        parser.add_argument(
            "--chunk", type=int, default=0, help="VERIFICATION_BATCH_CHUNK for the workers"
        )
        parser.add_argument("--loglevel", default="warning", help="the workers' log level")
        parser.add_argument(
            "--keep", action="store_true", help="keep the bench database (dropped by default)"
        )

    def handle(self, *args, **options):
        bench_verification(Options.pick(options), self.stdout)
