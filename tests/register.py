"""The small register and the personas of ``tests/conftest.py``'s fixtures, as plain
functions, so that a module building its objects once (``scope="module"``) makes the very
same ones."""

from assistance.roles import Role
from tests.factories import (
    DutyFactory,
    LeadingGroupFactory,
    LiaisonFactory,
    MemberUnitFactory,
    UserFactory,
)

# persona -> (username, roles, extra fields)
PERSONAS = {
    "clerk": ("clerk", [Role.OFFICE_CLERK], {}),
    "director": ("director", [Role.OFFICE_DIRECTOR], {}),
    "convener": ("convener", [Role.CONVENER], {}),
    "auditor": ("auditor", [Role.AUDITOR], {}),
    "administrator": ("administrator", [Role.ADMINISTRATOR], {"is_staff": True}),
    "security_administrator": ("security", [Role.SECURITY_ADMINISTRATOR], {}),
    # Signed in, but holding no role.
    "outsider": ("outsider", [], {}),
}


def group():
    return LeadingGroupFactory(code="testdistrict", name="测试区困难群众基本生活保障工作领导小组")


def unit(group):
    """区公安分局, with a duty."""
    unit = MemberUnitFactory(group=group, name="区公安分局", code="test-police")
    DutyFactory(unit=unit, text="依法提供户籍、车辆信息。", category="data_verification")
    return unit


def other_unit(group):
    """区税务局."""
    return MemberUnitFactory(group=group, name="区税务局", code="test-tax")


def persona(name):
    username, roles, extra = PERSONAS[name]
    return UserFactory(username=username, roles=roles, **extra)


def liaison(username, unit):
    """A user holding the liaison role, the liaison of ``unit``."""
    user = UserFactory(username=username, roles=[Role.UNIT_LIAISON])
    return LiaisonFactory(unit=unit, user=user).user
