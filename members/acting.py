"""A member unit's own system acting for the unit (系统对接).

A department's system calls the API with a client bound to one unit; the client has an
account of its own (``api.models.ApiClient.principal``: inactive, no password) so that
histories, timelines and the access log name it. That account is never a ``Liaison``:
a liaison is a person, who gets the unit's notifications, reminders and chases and appears
in the register, and none of that is meant for a machine.

So the API, once it has authenticated a client, marks the account *on the user instance of
that one call* as acting for the client's unit (an attribute in memory, never stored, so
no other request, session or query can carry it). The rules below the API that ask "does
this user act for this unit?" (``intake.permissions.acts_for``) read the mark. This module
sits in ``members``, under every app that has units' work, so those apps read the mark
without importing the API (which is above them).
"""

from .models import MemberUnit

_ATTRIBUTE = "_acting_for_unit_id"


def act_for_unit(user, unit: MemberUnit) -> None:
    """Mark ``user`` (this instance only) as the system of ``unit`` for the current call."""
    setattr(user, _ATTRIBUTE, unit.pk)


def acting_unit_id(user) -> int | None:
    """The unit ``user`` acts for as its system in the current call, else None."""
    return getattr(user, _ATTRIBUTE, None)
