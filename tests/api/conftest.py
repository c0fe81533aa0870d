"""The API's world: two requests checked by ``unit`` and ``other_unit``."""

from tests.api.test_v1 import checks  # noqa: F401 (a fixture, used by name)
