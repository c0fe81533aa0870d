"""The intake world's programme (led by ``unit``, ``other_unit`` responsible) for the
intake dashboard's tests, and the ledger's programmes and family for its figures."""

from tests.intake.conftest import program  # noqa: F401 (a fixture, used by name)
from tests.ledger.conftest import dibao, family, medical, members  # noqa: F401 (fixtures)
