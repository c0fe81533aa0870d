"""The example client of README (section "The API for the departments' systems"), taken
from README as it is and run against the live test server with a real client token: it
lists the unit's checks, reads one and answers it."""

import contextlib
import io
import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.api.test_v1 import register
from verification.models import DepartmentCheck

pytestmark = pytest.mark.django_db(transaction=True)


def readme_client() -> str:
    readme = Path(settings.BASE_DIR, "README.md").read_text(encoding="utf-8")
    section = readme.split("### The API for the departments' systems", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_client_answers_a_check(live_server, security_administrator, unit, checks):
    from api.models import Scope

    _client, token = register(
        security_administrator, unit, scopes=[Scope.CHECKS_READ, Scope.CHECKS_ANSWER]
    )
    env = {"API_URL": f"{live_server.url}/api/v1", "API_TOKEN": token}
    printed = io.StringIO()
    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(readme_client(), "README.md", "exec"), {})
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    answered = DepartmentCheck.objects.get(unit=unit, status="answered")
    assert f"'id': {answered.pk}, 'status': 'answered'" in printed.getvalue()
