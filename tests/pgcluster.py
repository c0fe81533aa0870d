"""Private PostgreSQL servers for tests: a primary, and a streaming standby copied from it
with ``pg_basebackup``, each in a temporary folder of its own on a free port of 127.0.0.1,
owned by the test that starts them and removed when it stops them.

PostgreSQL refuses to run as root: when the tests run as root (as CI does), every server
command runs as the ``postgres`` OS user (``runuser``) in folders that user owns;
otherwise as the current user. The servers trust every local connection (they listen on
127.0.0.1 only and live for one test) and run with ``fsync=off``: nothing they hold
must survive a crash, and they start and write faster so."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2

OS_USER = "postgres"

PRIMARY_SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{folder}'
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
full_page_writes = off
shared_buffers = 32MB
"""

# Later lines win: the standby's copy of the primary's settings, with its own port and
# socket folder. A query waiting on a lock held by the replay (a table the primary is
# still creating, in a transaction that waits for that query) fails after the lock timeout
# instead of waiting for ever.
STANDBY_SETTINGS = """
port = {port}
unix_socket_directories = '{folder}'
lock_timeout = '10s'
"""

HBA = """
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


def free_port() -> int:
    """A TCP port of 127.0.0.1 free at the moment of asking (another process may take it
    before it is used: starting a server retries with another)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bindir() -> Path | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup), or
    None when they are not installed: ``pg_config --bindir``, else the newest of Debian's
    /usr/lib/postgresql/*/bin."""
    candidates = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    debian = glob.glob("/usr/lib/postgresql/*/bin")
    debian.sort(key=lambda folder: int("0" + "".join(filter(str.isdigit, folder))), reverse=True)
    candidates += debian
    for folder in candidates:
        if folder and all(
            os.access(Path(folder, name), os.X_OK) for name in ("initdb", "pg_ctl", "pg_basebackup")
        ):
            return Path(folder)
    return None


def unavailable() -> str:
    """Why a private server cannot be started here ('' when it can)."""
    if bindir() is None:
        return "needs PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"PostgreSQL refuses root and there is no {OS_USER} OS user to run it as"
    return ""


def _as_owner(command: list) -> list[str]:
    command = [str(part) for part in command]
    return ["runuser", "-u", OS_USER, "--", *command] if os.geteuid() == 0 else command


def _run(command: list, timeout: float = 60) -> None:
    done = subprocess.run(_as_owner(command), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stdout}{done.stderr}")


def _new_folder(prefix: str) -> Path:
    """An empty temporary folder owned by the user the servers run as; in memory
    (/dev/shm) where the machine has it: a migrated cluster is thousands of files, which
    take seconds to write and to remove on a disk, and nothing in them must survive."""
    memory = "/dev/shm"
    parent = memory if os.path.isdir(memory) and os.access(memory, os.W_OK) else None
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    if os.geteuid() == 0:
        account = pwd.getpwnam(OS_USER)
        os.chown(folder, account.pw_uid, account.pw_gid)
    return folder


@dataclass
class Server:
    """One running server: its folder (data directory ``data/``, log ``server.log``, the
    Unix socket) and its port on 127.0.0.1."""

    folder: Path
    port: int
    bindir: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{OS_USER}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        """A psycopg2 connection in autocommit mode (close it when done)."""
        connection = psycopg2.connect(self.url(database), connect_timeout=10)
        connection.autocommit = True
        return connection

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def start(self, settings: str, attempts: int = 3) -> None:
        """Append ``settings`` (with ``{port}`` and ``{folder}``) to postgresql.conf and
        start, on another free port if the one chosen was taken meanwhile."""
        conf = self.data / "postgresql.conf"
        original = conf.read_text()
        for attempt in range(attempts):
            conf.write_text(original + settings.format(port=self.port, folder=self.folder))
            try:
                _run([self.bindir / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "start"])
                return
            except RuntimeError as error:
                if attempt == attempts - 1 or "could not bind" not in self.log_tail():
                    raise RuntimeError(f"{error}\n{self.log_tail()}") from None
                self.port = free_port()

    def stop(self) -> None:
        """Stop at once (no checkpoint: nothing here must survive) and remove the folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                _run([self.bindir / "pg_ctl", "-D", self.data, "-m", "immediate", "stop"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def primary_start() -> Server:
    """A new cluster (initdb) that streams its WAL to standbys, started."""
    server = Server(_new_folder("pgprimary-"), free_port(), bindir())
    try:
        _run(
            [server.bindir / "initdb", "-D", server.data, "-U", OS_USER, "-A", "trust"]
            + ["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
        )
        (server.data / "pg_hba.conf").write_text(HBA)
        server.start(PRIMARY_SETTINGS)
    except BaseException:
        server.stop()
        raise
    return server


def standby_start(primary: Server) -> Server:
    """A hot standby of ``primary``: ``pg_basebackup -R -X stream`` (a fast checkpoint,
    the WAL streamed alongside, the standby's connection to the primary written in its
    settings), started on a port of its own. It then replays the primary's WAL as it comes."""
    server = Server(_new_folder("pgstandby-"), free_port(), primary.bindir)
    try:
        _run(
            [server.bindir / "pg_basebackup", "-h", "127.0.0.1", "-p", primary.port]
            + ["-U", OS_USER, "-D", server.data, "-R", "-X", "stream", "-c", "fast", "-N"]
        )
        server.start(STANDBY_SETTINGS)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def streaming_pair():
    """A primary and its streaming standby, stopped and removed on leaving, even after
    an error."""
    primary = primary_start()
    try:
        standby = standby_start(primary)
        try:
            yield primary, standby
        finally:
            standby.stop()
    finally:
        primary.stop()


def _lsn_reached(standby_cursor, function: str, lsn: str) -> bool:
    standby_cursor.execute(f"SELECT coalesce({function}() >= %s::pg_lsn, false)", [lsn])
    return standby_cursor.fetchone()[0]


def wait_for_standby(primary, standby, *, replayed: bool = True, timeout: float = 30) -> str:
    """Wait until the standby has replayed (``replayed=False``: received) everything the
    primary had written when called; returns that position (an LSN). ``primary`` and
    ``standby`` are open connections. Polls, and fails after ``timeout`` seconds."""
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cursor.fetchone()[0]
    function = "pg_last_wal_replay_lsn" if replayed else "pg_last_wal_receive_lsn"
    deadline = time.monotonic() + timeout
    with standby.cursor() as cursor:
        while not _lsn_reached(cursor, function, lsn):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby's {function}() did not reach {lsn}")
            time.sleep(0.02)
    return lsn


def replay_lsn(standby) -> str:
    """Where the standby's replay stands (an LSN), from an open connection to it."""
    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
        return cursor.fetchone()[0]
