"""The API's world: two requests checked by ``unit`` and ``other_unit``; an application
referred to ``unit`` (lead) and ``other_unit`` (assisting), as intake's tests make it."""

from tests.api.test_v1 import checks  # noqa: F401 (a fixture, used by name)
from tests.intake.conftest import application, program, referred  # noqa: F401 (fixtures)
