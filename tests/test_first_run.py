"""`bin/run` on a newcomer's machine: when loading the demo fails, the error is shown and
the server is not started. The demo is made to fail for real, by a MEDIA_ROOT that cannot
be created, on a fresh SQLite database of its own."""

import os
import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").exists(), reason="bin/run needs .venv")
def test_bin_run_stops_with_the_error_when_loading_the_demo_fails(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'first-run.sqlite3'}",
        MEDIA_ROOT="/dev/null/media",  # a file's child: no one, root included, can create it
        PORT="8799",
    )
    process = subprocess.Popen(
        ["bin/run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=150)
    except subprocess.TimeoutExpired:
        # The server started after all: stop it and fail.
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate()
        pytest.fail(f"bin/run went on to serve the site:\n{output}")
    assert process.returncode != 0, output
    assert "NotADirectoryError" in output  # the error itself, not a vague note
    assert "loading the demo failed" in output
    assert "Starting development server" not in output
    assert "== 4/4" not in output  # the step before the server starts
