"""Other hosts for tests of a deployment on several machines, made on this one (as root):
network namespaces joined to this namespace by a bridge on a private /24, and a PostgreSQL
cluster and a Redis server of the test's own listening on the bridge's address only (the
machine's own services listen on loopback, which a namespace cannot reach). Each piece is
a context manager that removes what it made, even when the test fails."""

import contextlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from glob import glob
from pathlib import Path

# 10.213.x.0/24, x drawn at random among those this machine does not use.
SUBNET = "10.213"


def missing_requirement() -> str:
    """Why this machine cannot make hosts of its own ('' if it can): it takes root (network
    namespaces, and PostgreSQL run as the postgres user) and the ``ip`` command."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces (CI runs as root)"
    if shutil.which("ip") is None:
        return "needs the ip command (iproute2) to create network namespaces"
    return ""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def _free_subnet() -> str:
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    used += subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    free = [x for x in range(1, 255) if f"{SUBNET}.{x}." not in used]
    return f"{SUBNET}.{random.choice(free)}"


@dataclass
class Network:
    """A bridge in this namespace at ``address`` and one namespace a host, each with its
    own address on the bridge's /24 (``hosts``: namespace name to address)."""

    bridge: str
    address: str
    hosts: dict[str, str]


def on_host(namespace: str) -> tuple[str, ...]:
    """The prefix that runs a command on host ``namespace``."""
    return ("ip", "netns", "exec", namespace)


@contextlib.contextmanager
def network(names: list[str]) -> Iterator[Network]:
    """One network namespace per name (named ``<name>-<token>``, unique to the run), each
    joined by a veth pair to a bridge of this namespace; the bridge is ``<subnet>.1``,
    the hosts ``.2``, ``.3``… Removes the namespaces (and so their veth pairs) and the
    bridge on the way out, and kills whatever still runs in a namespace."""
    token = uuid.uuid4().hex[:6]
    subnet = _free_subnet()
    net = Network(bridge=f"obr{token}", address=f"{subnet}.1", hosts={})
    try:
        _ip("link", "add", net.bridge, "type", "bridge")
        _ip("addr", "add", f"{net.address}/24", "dev", net.bridge)
        _ip("link", "set", net.bridge, "up")
        for number, name in enumerate(names, start=2):
            namespace, veth = f"{name}-{token}", f"ov{token}{number}"
            _ip("netns", "add", namespace)
            net.hosts[namespace] = f"{subnet}.{number}"
            _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
            _ip("link", "set", veth, "master", net.bridge, "up")
            _ip("-n", namespace, "addr", "add", f"{subnet}.{number}/24", "dev", "eth0")
            _ip("-n", namespace, "link", "set", "eth0", "up")
            _ip("-n", namespace, "link", "set", "lo", "up")
        yield net
    finally:
        for namespace in net.hosts:
            _kill_left_in(namespace)
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        subprocess.run(["ip", "link", "del", net.bridge], capture_output=True)


def _kill_left_in(namespace: str) -> None:
    # Only processes this test started can run in a namespace it made.
    listed = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True)
    for pid in listed.stdout.split():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)


def runs_in(pid: int, namespace: str) -> bool:
    """Whether process ``pid`` runs in network namespace ``namespace``."""
    return os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat(f"/run/netns/{namespace}").st_ino


def reaches(prefix: tuple[str, ...], host: str, port: int) -> bool:
    """Whether a TCP connection to ``host``:``port`` succeeds from where ``prefix`` runs a
    command (``on_host``; () for this namespace)."""
    probe = f"import socket; socket.create_connection(({host!r}, {port}), timeout=3).close()"
    return (
        subprocess.run([*prefix, sys.executable, "-c", probe], capture_output=True).returncode == 0
    )


def _wait_listening(address: str, port: int, process, what: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection((address, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or (process is not None and process.poll() is not None):
                text = log.read_text() if log.exists() else ""
                raise RuntimeError(f"{what} did not start on {address}:{port}:\n{text}") from None
            time.sleep(0.1)


def postgres_bindir() -> Path:
    """Where PostgreSQL's server programs are: ``pg_config --bindir``, or Debian's folder."""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if (Path(found.stdout.strip()) / "initdb").exists():
            return Path(found.stdout.strip())
    versions = sorted(glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not versions:
        raise RuntimeError("no PostgreSQL server programs (initdb): apt-get install postgresql")
    return Path(versions[-1]).parent


def _version(path: str) -> int:
    return int(re.search(r"/postgresql/(\d+)/", path).group(1))


def _as_postgres(*command) -> None:
    # PostgreSQL refuses to run as root.
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *map(str, command)],
        check=True,
        capture_output=True,
        text=True,
        cwd="/",
    )


@contextlib.contextmanager
def postgres(address: str, port: int = 5432, database: str = "office") -> Iterator[str]:
    """A PostgreSQL cluster of its own (initdb in a temporary folder, run as the postgres
    user) listening on ``address`` only, trusting the clients of its /24; yields the
    DATABASE_URL of an empty database ``database``. Stopped and removed on the way out.
    Durability is off (fsync): the cluster lives as long as the test."""
    folder = Path(tempfile.mkdtemp(prefix="office-postgres-"))
    data, log = folder / "data", folder / "postgres.log"
    shutil.chown(folder, "postgres", "postgres")
    bindir = postgres_bindir()
    subnet = address.rsplit(".", 1)[0] + ".0/24"
    started = False
    try:
        _as_postgres(bindir / "initdb", "-D", data, "-U", "postgres", "-A", "trust")
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {subnet} trust\n")
        options = (
            f"-c listen_addresses={address} -p {port} -k {folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _as_postgres(bindir / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start")
        started = True
        _wait_listening(address, port, None, "PostgreSQL", log)
        _as_postgres(bindir / "createdb", "-h", address, "-p", port, "-U", "postgres", database)
        yield f"postgres://postgres@{address}:{port}/{database}"
    finally:
        if started:
            with contextlib.suppress(subprocess.CalledProcessError):
                _as_postgres(bindir / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def redis(address: str, port: int = 6379) -> Iterator[str]:
    """A Redis server of its own listening on ``address`` only, keeping nothing on disk;
    yields its URL (database 0). Stopped on the way out."""
    folder = Path(tempfile.mkdtemp(prefix="office-redis-"))
    log = folder / "redis.log"
    command = ["redis-server", "--bind", address, "--port", str(port), "--save", ""]
    command += ["--appendonly", "no", "--protected-mode", "no", "--dir", str(folder)]
    process = subprocess.Popen([*command, "--logfile", str(log)])
    try:
        _wait_listening(address, port, process, "Redis", log)
        yield f"redis://{address}:{port}/0"
    finally:
        process_stop(process, timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def process_stop(process: subprocess.Popen, *, timeout: float) -> None:
    """Stop a process this test started: SIGTERM, then SIGKILL after ``timeout`` s."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def database_at(url: str) -> Iterator[None]:
    """Django's default connection in this process reaches the database at ``url`` for the
    time of the block, as a web host in front of another server would. The content types'
    cache is emptied on the way in and out: their keys differ between databases."""
    import dj_database_url
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    connection = connections["default"]
    saved = dict(connection.settings_dict)
    target = dj_database_url.parse(url)
    connection.close()
    connection.settings_dict.update(
        {key: target[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}
    )
    ContentType.objects.clear_cache()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
        ContentType.objects.clear_cache()
