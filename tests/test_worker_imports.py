"""A Celery worker does not load the libraries that write spreadsheets, Word files and
charts: openpyxl, python-docx, matplotlib and what they pull in (numpy, Pillow, lxml) added
53 MB to every worker process (144 MB after the start, 91 MB without them), and most workers
never write such a file. They are imported inside the functions that use them, and load with
the first file written.

The worker is imitated in a fresh process, as ``celery worker`` starts: Django set up, then
every app's tasks module imported (``import_default_modules``, which also runs Django's
checks, and so imports the URLconf and every view)."""

import json
import os
import subprocess
import sys

from django.conf import settings

HEAVY = ("openpyxl", "docx", "matplotlib", "numpy", "PIL", "lxml")

WORKER_START = f"""
import json, sys
import django
django.setup()
from office.celery import app
app.loader.import_default_modules()
print(json.dumps(sorted(name for name in {HEAVY!r} if name in sys.modules)))
"""


def test_a_worker_starts_without_the_file_writing_libraries():
    started = subprocess.run(
        [sys.executable, "-c", WORKER_START],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "office.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 0, started.stderr
    loaded = json.loads(started.stdout.strip().splitlines()[-1])
    assert loaded == [], (
        f"A worker loads {', '.join(loaded)} at start: import it inside the function that "
        "writes the file (`python -X importtime` shows which module of ours imports it)."
    )
