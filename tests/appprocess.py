"""The application in a process of its own, with its own settings from the environment
(``DATABASE_URL``, ``DATABASE_REPLICA_URL``…), driven request by request from a test.

The child (``python -m tests.appprocess``) migrates its database, then answers one JSON
line on its standard input with one JSON line on its standard output: a request through
Django's test client, with the whole middleware stack and the database routers of its
settings, as a signed-in user; or a call of a function of the tests (to create data).
Everything else the child prints goes to its log file."""

import base64
import json
import os
import select
import subprocess
import sys
import traceback
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class AppProcess:
    """The test's side: starts the child, sends it requests, stops it (``close``)."""

    def __init__(self, env: dict, log: Path, timeout: float = 120, migrate_timeout: float = 600):
        """``migrate_timeout``: seconds to wait for the migrations (about 18 on a quiet
        2-core machine, many times that when other test runs share it); ``timeout``: for
        each answer after them."""
        self.log = log
        self.timeout = migrate_timeout
        self._log_file = open(log, "w")  # noqa: SIM115 (closed in close())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.appprocess"],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
        )
        self.ready = self._answer()  # after the migrations
        self.timeout = timeout

    def _answer(self) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], self.timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"the application did not answer:\n{self.log_tail()}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def ask(self, **message) -> dict:
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def call(self, function: str, **kwargs):
        """Calls ``module:function`` in the child; returns what it returned (JSON)."""
        return self.ask(op="call", function=function, kwargs=kwargs)["result"]

    def request(self, user: str, method: str, path: str, data=None, follow=False) -> "Page":
        answer = self.ask(op="request", user=user, method=method, path=path, data=data or {})
        page = Page(**answer)
        if follow and page.status in (301, 302):
            return self.request(user, "get", page.location)
        return page

    def log_tail(self, lines: int = 40) -> str:
        self._log_file.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.stdin.close()
                self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        finally:
            self.process.stdout.close()
            self._log_file.close()


class Page:
    """A response as the child saw it."""

    def __init__(self, status: int, location: str, content_type: str, body: str):
        self.status = status
        self.location = location
        self.content_type = content_type
        self.body = base64.b64decode(body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8-sig")


# --- The child ------------------------------------------------------------------------------


def _client(clients: dict, username: str):
    """A test client signed in as ``username``, with the second factor its role needs (as
    ``tests.factories.enrol_second_factor`` leaves it for ``force_login``)."""
    if username not in clients:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django_otp.plugins.otp_totp.models import TOTPDevice

        user = get_user_model().objects.get(username=username)
        user.otp_device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        clients[username] = client
    return clients[username]


def _handle(message: dict, clients: dict) -> dict:
    if message["op"] == "call":
        import importlib

        module, name = message["function"].split(":")
        return {"result": getattr(importlib.import_module(module), name)(**message["kwargs"])}
    client = _client(clients, message["user"])
    send = getattr(client, message["method"])
    response = send(message["path"], message["data"], secure=True)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return {
        "status": response.status_code,
        "location": response.get("Location", ""),
        "content_type": response.get("Content-Type", ""),
        "body": base64.b64encode(body).decode(),
    }


def main() -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever else is printed goes to the log, not among the answers
    sys.stdout = sys.stderr
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "office.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    answers.write(json.dumps({"ready": True}) + "\n")
    clients = {}
    for line in sys.stdin:
        try:
            answer = _handle(json.loads(line), clients)
        except Exception:
            answer = {"error": traceback.format_exc()}
        answers.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
