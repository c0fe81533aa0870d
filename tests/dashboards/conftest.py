"""The intake world's programme (led by ``unit``, ``other_unit`` responsible) for the
intake dashboard's tests."""

from tests.intake.conftest import program  # noqa: F401 (a fixture, used by name)
