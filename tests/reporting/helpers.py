"""The reporting world as plain functions (the URL walk and the browser journey build it
too): a programme with two figures reported by two units, and a round opened by the
office."""

import datetime
from decimal import Decimal

from django.utils import timezone

from reporting import services
from reporting.models import FigureDefinition
from tests.factories import AssistanceProgramFactory


def define_figures(group, units, *, program_name="临时救助"):
    """People assisted (whole numbers) and yuan disbursed (two decimals, at most ten
    million) under one programme, each reported by ``units``."""
    program = AssistanceProgramFactory(
        group=group, name=program_name, lead_unit=units[0], responsible_units=units[1:]
    )
    people = FigureDefinition.objects.create(
        group=group, program=program, name="救助人次", kind="people", order=1
    )
    yuan = FigureDefinition.objects.create(
        group=group,
        program=program,
        name="发放资金",
        kind="yuan",
        decimal_places=2,
        max_value=Decimal("10000000"),
        order=2,
    )
    for definition in (people, yuan):
        definition.units.set(units)
    return people, yuan


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def open_round(clerk, group, *, year=2026, number=4, working_days=10, now=None, **kwargs):
    return services.round_open(
        actor=clerk,
        group=group,
        period_kind="quarter",
        year=year,
        number=number,
        working_days=working_days,
        now=now,
        **kwargs,
    )
