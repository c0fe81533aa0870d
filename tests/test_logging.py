"""Log lines reach the console once: Django's own loggers, the apps' and Celery's all go
through the one root handler. Run in a fresh process, as `bin/run` or a worker would, so
the project's LOGGING is what is configured."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = """
import logging, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "office.settings")
import django
django.setup()
logging.getLogger("django.request").warning("Not Found: /marker-request")
logging.getLogger("django.utils.autoreload").info("marker-autoreload")
logging.getLogger("verification.services").warning("marker-app")
logging.getLogger("celery.app.trace").info("marker-celery")
logging.getLogger("django.request").debug("marker-below-level")
"""


def _stderr_of_a_fresh_process(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "LOG_LEVEL")}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_each_log_line_is_printed_once_with_debug_on():
    stderr = _stderr_of_a_fresh_process(DEBUG="1")
    markers = ("Not Found: /marker-request", "marker-autoreload", "marker-app", "marker-celery")
    for marker in markers:
        assert stderr.count(marker) == 1, stderr
    assert "marker-below-level" not in stderr
    # The start-up banner of Axes came once per runserver process; it is not printed.
    assert "AXES: BEGIN" not in stderr


def test_log_level_applies_to_djangos_loggers_too():
    stderr = _stderr_of_a_fresh_process(DEBUG="1", LOG_LEVEL="WARNING")
    assert stderr.count("Not Found: /marker-request") == 1, stderr
    assert "marker-autoreload" not in stderr
    assert "marker-celery" not in stderr
