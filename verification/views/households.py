"""The office's household pages (clerks and the office director): households, their members
and the members' signed authorisations.

Every view takes its object from a gateway of ``verification.permissions`` (anyone outside
the office gets 404), reads through ``verification.selectors`` and writes through
``verification.services``; a refused action shows the service's message and changes
nothing. Full ID numbers are shown only on request, with a purpose, through the gateway
that writes the access log.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assistance.forms import add_service_errors

from .. import permissions, register, selectors
from ..forms import (
    AuthorizationForm,
    HouseholdAddressForm,
    HouseholdFilterForm,
    HouseholdForm,
    IdSearchForm,
    MemberForm,
    RevealForm,
    member_formset,
)
from .common import never_store, page_of, query_without_page

PAGE_SIZE = 50


def household_list(request):
    """Households with their applicant (masked ID). Filters by town and assistance; search
    by name or address. A full ID number is searched by POST so it never sits in a URL."""
    permissions.require_office(request.user)
    households = selectors.household_list()
    filters = HouseholdFilterForm(request.GET or None)
    id_form = IdSearchForm(request.POST or None)
    id_search = request.method == "POST"
    if id_search:
        if id_form.is_valid():
            households = permissions.search_households_by_id(
                request.user, households, id_form.cleaned_data["id_number"], path=request.path
            )
        else:
            households = households.none()
    elif filters.is_valid():
        households = selectors.household_list(**filters.cleaned_data)
    refused = id_search and not id_form.is_valid()
    response = render(
        request,
        "verification/household_list.html",
        {
            "page": page_of(request, households, PAGE_SIZE, rows=selectors.household_rows),
            "filters": filters,
            "id_form": id_form,
            "id_search": id_search,
            "towns": selectors.towns(),
            "query": query_without_page(request),
            # A refused number stays in its box, to be corrected rather than typed again.
            "id_typed": id_form["id_number"].value() if refused else "",
            "reveal_form": RevealForm(),
        },
        status=400 if refused else 200,
    )
    return never_store(response) if refused else response


def household_create(request):
    permissions.require_office(request.user)
    form = HouseholdForm(request.POST or None)
    formset = member_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        data = form.cleaned_data
        try:
            household = register.household_register(
                actor=request.user,
                office=data["office"],
                address=data["address"].strip(),
                town=data["town"].strip(),
                assistance_type=data["assistance_type"],
                irregular_income=data["irregular_income"],
                members=formset.member_data(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Household registered. Record each member's signed authorisation next."),
            )
            return redirect(household)
    return render(request, "verification/household_form.html", {"form": form, "formset": formset})


def household_detail(request, pk):
    """Members (masked IDs) with their authorisations, and the household's requests.
    A POST with a purpose shows the full ID numbers once and logs one entry per member."""
    household = permissions.get_household_for_user(request.user, pk)
    members = selectors.household_members(household)
    reveal_form = RevealForm(request.POST or None)
    revealed = None
    if request.method == "POST" and reveal_form.is_valid():
        revealed = permissions.reveal_member_ids(
            request.user, members, purpose=reveal_form.cleaned_data["purpose"], path=request.path
        )
    response = render(
        request,
        "verification/household_detail.html",
        {
            "household": household,
            "members": members,
            "uncovered": [m for m in members if not m.covered],
            "reveal_form": reveal_form,
            "revealed": revealed,
            "requests": selectors.household_requests(household),
            "address_changes": selectors.household_address_changes(household),
        },
    )
    return never_store(response) if revealed else response


def household_edit(request, pk):
    """Change the household's address and town; earlier values stay in its history."""
    household = permissions.get_household_for_user(request.user, pk)
    form = HouseholdAddressForm(
        request.POST or None, initial={"town": household.town, "address": household.address}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            register.household_update_address(
                actor=request.user,
                household=household,
                address=data["address"],
                town=data["town"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Address updated; the earlier one is kept in the history."))
            return redirect(household)
    return render(
        request,
        "verification/household_address_form.html",
        {
            "household": household,
            "form": form,
            "changes": selectors.household_address_changes(household),
        },
        status=400 if form.errors else 200,
    )


def member_create(request, pk):
    household = permissions.get_household_for_user(request.user, pk)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            register.member_add(actor=request.user, household=household, data=form.member_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Member added. Record their signed authorisation."))
            return redirect(household)
    return render(
        request,
        "verification/member_form.html",
        {"household": household, "form": form, "member": None},
    )


def member_update(request, pk, member_pk):
    """Edit a member; the change is kept in the member's history by the service."""
    member = permissions.get_member_for_user(request.user, pk, member_pk)
    household = member.household
    form = MemberForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            # A fresh copy: if the service refuses, the page still shows the number on file.
            register.member_update(
                actor=request.user,
                member=permissions.get_member_for_user(request.user, pk, member_pk),
                data=form.member_data(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Member updated."))
            return redirect(household)
    return render(
        request,
        "verification/member_form.html",
        {"household": household, "form": form, "member": member},
    )


def authorization_create(request, pk, member_pk):
    member = permissions.get_member_for_user(request.user, pk, member_pk)
    household = member.household
    form = AuthorizationForm(request.POST or None, request.FILES or None, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            authorization = register.authorization_record(
                actor=request.user,
                member=member,
                signed_on=data["signed_on"],
                valid_until=data["valid_until"],
                signer=data["signer"],
                guardian_name=data["guardian_name"].strip(),
                scan=data["scan"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Authorisation of %(name)s recorded.") % {"name": member.name}
            )
            if authorization.overlaps:
                messages.warning(
                    request,
                    _(
                        "Its period overlaps another authorisation of %(name)s on file "
                        "(%(periods)s): check that the same paper was not entered twice."
                    )
                    % {
                        "name": member.name,
                        "periods": "、".join(
                            f"{a.signed_on.isoformat()}–{a.valid_until.isoformat()}"
                            for a in authorization.overlaps
                        ),
                    },
                )
            return redirect(household)
    return render(
        request,
        "verification/authorization_form.html",
        {"household": household, "member": member, "form": form},
    )


def authorization_scan(request, pk):
    """Stream a scan to the office, never through a public URL; each download is logged."""
    return permissions.download_authorization_scan(request, pk)
