"""The home page, one per role, and the language switch."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.i18n import set_language as django_set_language

from members import selectors as member_selectors

from .roles import Role, primary_role

# Roles whose home page lists the units that still have to name a liaison.
ROLES_FOLLOWING_LIAISONS = {Role.ADMINISTRATOR, Role.CONVENER, Role.OFFICE_DIRECTOR}


def home(request):
    role = primary_role(request.user)
    context = {"role": role}
    if role == Role.UNIT_LIAISON:
        unit = member_selectors.liaison_unit(request.user)
        context["unit"] = member_selectors.unit_get(unit.code) if unit else None
    else:
        context["groups"] = member_selectors.group_summaries()
    if role in ROLES_FOLLOWING_LIAISONS:
        context["units_without_liaison"] = member_selectors.units_without_liaison()
    template = f"assistance/home_{role}.html" if role else "assistance/home_none.html"
    return render(request, template, context)


# The language switch must work on the sign-in page too, before anyone is signed in.
set_language = login_not_required(django_set_language)
