"""What a run of the suite says at its end: the tests it did not run for want of PostgreSQL
are named (as those wanting a broker are), and the 15 slowest tests are listed, so a slow
test is seen when it is added. Checked on a real pytest run, on SQLite."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_run_on_sqlite_names_the_tests_that_need_postgresql_and_the_slowest():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_log_chain.py",
            "-k",
            "truncate",
            "-p",
            "no:randomly",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.split("not run: these tests need PostgreSQL", 1)
    assert len(summary) == 2, done.stdout
    for table in ("assistance_accesslog", "assistance_loginlog"):
        assert (
            "NOT RUN (no PostgreSQL DATABASE_URL) "
            f"tests/test_log_chain.py::test_postgresql_refuses_truncate[{table}]" in summary[1]
        )
    assert "slowest 15 durations" in done.stdout
