"""The intake world: a programme led by ``unit`` with ``other_unit`` responsible, its
routing, and helpers to receive and refer an application as the office would."""

import datetime

import pytest

from intake import services
from intake.models import ProgramRouting, Referral
from tests.factories import AssistanceProgramFactory
from tests.verification.factories import make_id_number

BORN = datetime.date(1980, 1, 1)
# Valid invented ID numbers.
ID_NUMBER = make_id_number(BORN, sequence=11)
OTHER_ID_NUMBER = make_id_number(datetime.date(1985, 6, 15), sequence=12)


@pytest.fixture
def program(group, unit, other_unit):
    program = AssistanceProgramFactory(
        group=group, name="临时救助", lead_unit=unit, responsible_units=[other_unit]
    )
    ProgramRouting.objects.create(program=program, deadline_working_days=5, urgent_hours=12)
    return program


def application_data(group, programs=(), **overrides) -> services.ApplicationData:
    data = {
        "office": group,
        "channel": "window",
        "applicant_name": "张三",
        "applicant_id_number": ID_NUMBER,
        "hardship": "突发重病，医疗费用负担过重。",
        "requested": "临时救助",
        "programs": list(programs),
    }
    data.update(overrides)
    return services.ApplicationData(**data)


def receive(clerk, group, programs=(), **overrides):
    return services.application_receive(
        actor=clerk, data=application_data(group, programs, **overrides)
    )


def refer(clerk, application, lead, assisting=()):
    return services.referrals_share(
        actor=clerk,
        application=application,
        lead=lead,
        assisting=list(assisting),
        ask=Referral.Ask.DECISION,
    )


@pytest.fixture
def application(clerk, group, program):
    return receive(clerk, group, [program])


@pytest.fixture
def referred(clerk, application, unit, other_unit):
    """The application referred to ``unit`` (lead) and ``other_unit`` (assisting)."""
    lead, assist = refer(clerk, application, unit, [other_unit])
    return application, lead, assist
