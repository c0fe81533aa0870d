"""The application through PgBouncer in transaction pooling mode (Debian's package, as a
city's deployment runs it): ``bench_verification`` — a batch of households fanned out to
department queues, answered by real workers, and single requests — runs with the web side
and every worker connected through a PgBouncer started here, and PgBouncer's own
statistics show the work went through it."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from assistance.databases import database_url

pytestmark = pytest.mark.broker

CONFIG = """
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
admin_users = {user}
pool_mode = transaction
server_reset_query =
max_client_conn = 200
default_pool_size = 10
ignore_startup_parameters = extra_float_digits,options
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def pgbouncer():
    """A PgBouncer of the test's own in front of the test's PostgreSQL; yields its port."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.path.exists(binary):
        pytest.skip("needs PgBouncer: apt-get install pgbouncer (bin/test does as root)")
    if connection.vendor != "postgresql":
        pytest.skip("PgBouncer pools PostgreSQL connections: set DATABASE_URL to PostgreSQL")
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o777)  # PgBouncer runs as postgres (it refuses root)
    user = connection.settings_dict.get("USER") or "postgres"
    listen = _free_port()
    (folder / "users.txt").write_text(f'"{user}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        CONFIG.format(
            host=connection.settings_dict.get("HOST") or "127.0.0.1",
            port=connection.settings_dict.get("PORT") or 5432,
            listen=listen,
            folder=folder,
            user=user,
        )
    )
    command = [binary, "-q", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", listen), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                log = folder / "pgbouncer.log"
                pytest.fail(f"PgBouncer did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.1)
    try:
        yield listen
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _transactions(port: int, user: str, database: str) -> int:
    admin = psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname="pgbouncer")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SHOW STATS")
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    admin.close()
    return sum(row["total_xact_count"] for row in rows if row["database"] == database)


@pytest.mark.django_db
def test_a_batch_and_single_requests_run_through_pgbouncer_in_transaction_mode(pgbouncer):
    through = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": pgbouncer}
    name = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": database_url(through, name),
        "DATABASE_POOL_MODE": "transaction",
    }
    households, departments = 30, 3
    completed = subprocess.run(
        [sys.executable, "manage.py", "bench_verification", f"--households={households}"]
        + [f"--departments={departments}", "--sample=20", "--singles=3"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    checks = households * departments
    assert f"batch: {households} households, {checks} checks answered" in completed.stdout
    assert "single requests: 3 answered by connectors" in completed.stdout
    user = connection.settings_dict.get("USER") or "postgres"
    # The bench's throwaway database was reached through PgBouncer, by the command and its
    # workers: thousands of transactions, pooled.
    assert _transactions(pgbouncer, user, f"{name}_bench") > checks
