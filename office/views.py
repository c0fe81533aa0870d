"""The home page, one per role: what each role has to do today, read from every app."""

from django.shortcuts import render

from assistance.roles import Role, primary_role
from members import selectors as member_selectors
from verification import selectors as verification_selectors
from verification.sweeps import provisional_deadline_years

from .work import work_for

# Roles whose home page lists the units that still have to name a liaison.
ROLES_FOLLOWING_LIAISONS = {Role.ADMINISTRATOR, Role.CONVENER, Role.OFFICE_DIRECTOR}


def home(request):
    role = primary_role(request.user)
    context = {"role": role}
    if role == Role.UNIT_LIAISON:
        unit = member_selectors.liaison_unit(request.user)
        context["unit"] = member_selectors.unit_get(unit.code) if unit else None
    elif role != Role.SECURITY_ADMINISTRATOR:  # keeps accounts only, not the register
        context["groups"] = member_selectors.group_summaries()
    if role in ROLES_FOLLOWING_LIAISONS:
        context["units_without_liaison"] = member_selectors.units_without_liaison()
    if role in (Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR):
        context["verification"] = verification_selectors.office_summary()
    elif role == Role.UNIT_LIAISON:
        context["checks"] = verification_selectors.liaison_summary(request.user)
    elif role == Role.ADMINISTRATOR:
        context["provisional_years"] = provisional_deadline_years()
    context["work"] = work_for(role, request.user, context)
    template = f"office/home_{role}.html" if role else "office/home_none.html"
    return render(request, template, context)
