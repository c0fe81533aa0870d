"""The office's verification pages (clerks and the office director): households, members,
authorisations, requests, the report and overdue checks.

Every view reads through the gateways of ``verification.permissions`` (anyone outside the
office gets 404) and writes through ``verification.services``; a refused action shows the
service's message and changes nothing. Full ID numbers are shown only on request, with a
purpose, and every such view is written to the access log.
"""

import datetime
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
    Min,
    OuterRef,
    Prefetch,
    Q,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from assistance.files import file_response
from assistance.forms import add_service_errors
from assistance.idnumbers import mask_id_number
from assistance.models import AccessLog
from assistance.services import access_log_record
from assistance.workdays import WorkdayCalendar

from .. import register, services
from ..forms import (
    AuthorizationForm,
    HouseholdFilterForm,
    HouseholdForm,
    IdSearchForm,
    MemberForm,
    ReplyForm,
    RequestFilterForm,
    RequestForm,
    RevealForm,
    member_formset,
)
from ..models import (
    Authorization,
    DepartmentCheck,
    Household,
    HouseholdMember,
    VerificationRequest,
)
from ..permissions import (
    get_authorization_for_user,
    get_check_for_user,
    get_household_for_user,
    get_request_for_user,
    require_office,
)
from ..selectors import with_applicant

PAGE_SIZE = 50
# An ID number belongs to a handful of households at most; this only bounds the log.
ID_SEARCH_LOGGED = PAGE_SIZE
OVERDUE_PAGE_SIZE = 100
# How often the department table of a request under way refreshes itself.
REFRESH_SECONDS = 10

OPEN = Q(checks__status__in=DepartmentCheck.OPEN)


# --- Shared reads -----------------------------------------------------------------------------


def _with_progress(requests):
    """Annotate requests with their checks' progress: one query however many rows."""
    return requests.annotate(
        check_count=Count("checks"),
        answered_count=Count("checks", filter=Q(checks__status=DepartmentCheck.Status.ANSWERED)),
        overdue_count=Count("checks", filter=OPEN & Q(checks__overdue=True)),
        next_deadline=Min("checks__deadline", filter=OPEN),
    )


def _towns():
    return list(Household.objects.order_by("town").values_list("town", flat=True).distinct())


def _page(request, queryset, size, *, rows=lambda queryset: queryset):
    """One page of ``queryset``. The paginator counts and slices the plain (filtered,
    ordered) queryset, which the database answers from its indexes; only the page's rows
    are then read with ``rows`` applied (annotations, joins). So the aggregates are
    computed for 50 rows, not for every row before the offset, and a late page costs what
    the first does."""
    page = Paginator(queryset.values_list("pk", flat=True), size).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    objects = {obj.pk: obj for obj in rows(queryset.model.objects.filter(pk__in=ids))}
    page.object_list = [objects[pk] for pk in ids if pk in objects]
    return page


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Households -------------------------------------------------------------------------------


def household_list(request):
    """Households with their applicant (masked ID). Filters by town and assistance; search
    by name or address. A full ID number is searched by POST so it never sits in a URL."""
    require_office(request.user)
    households = Household.objects.order_by("-created_at", "-pk")
    filters = HouseholdFilterForm(request.GET or None)
    id_form = IdSearchForm(request.POST or None)
    id_search = request.method == "POST"
    if id_search:
        if id_form.is_valid():
            number = id_form.cleaned_data["id_number"]
            households = households.filter(
                Exists(HouseholdMember.objects.filter(household=OuterRef("pk"), id_number=number))
            )
            _log_id_search(request, number, households)
        else:
            households = households.none()
    elif filters.is_valid():
        data = filters.cleaned_data
        if q := data["q"].strip():
            households = households.filter(
                Exists(HouseholdMember.objects.filter(household=OuterRef("pk"), name__icontains=q))
                | Q(address__icontains=q)
            )
        if data["town"]:
            households = households.filter(town=data["town"])
        if data["assistance_type"]:
            households = households.filter(assistance_type=data["assistance_type"])
    page = _page(
        request,
        households,
        PAGE_SIZE,
        rows=lambda rows: with_applicant(rows.annotate(member_count=Count("members")), "pk"),
    )
    return render(
        request,
        "verification/household_list.html",
        {
            "page": page,
            "filters": filters,
            "id_form": id_form,
            "id_search": id_search,
            "towns": _towns(),
            "query": _query_without_page(request),
        },
    )


def _log_id_search(request, number: str, households) -> None:
    """A search by a full ID number is a read of personal data: one access-log entry per
    household found (or, when none is, one on the searching account, so a probe for who
    is registered leaves a trace too). The number is described masked, never in full."""
    description = _("Search by full ID number %(masked)s") % {"masked": mask_id_number(number)}
    found = list(households.values_list("pk", flat=True)[:ID_SEARCH_LOGGED])
    subjects = list(Household.objects.filter(pk__in=found)) or [request.user]
    for subject in subjects:
        access_log_record(
            user=request.user,
            obj=subject,
            purpose=AccessLog.Purpose.REGISTRATION,
            description=description,
            path=request.path,
            action=AccessLog.Action.SEARCH,
        )


def household_create(request):
    require_office(request.user)
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
    household = get_household_for_user(request.user, pk)
    members = list(
        household.members.order_by("pk").prefetch_related(
            Prefetch(
                "authorizations",
                queryset=Authorization.objects.select_related("recorded_by").order_by(
                    "-signed_on", "-pk"
                ),
            )
        )
    )
    today = timezone.localdate()
    for member in members:
        member.covered = any(a.covers(today) for a in member.authorizations.all())
    reveal_form = RevealForm(request.POST or None)
    revealed = None
    if request.method == "POST" and reveal_form.is_valid():
        purpose = reveal_form.cleaned_data["purpose"]
        for member in members:
            access_log_record(
                user=request.user,
                obj=member,
                purpose=purpose,
                description=_("ID number of member #%(pk)s (%(masked)s)")
                % {"pk": member.pk, "masked": member.masked_id},
                path=request.path,
            )
        revealed = AccessLog.Purpose(purpose).label
    requests_ = _with_progress(household.requests.select_related("requested_by")).order_by(
        "-submitted_at", "-pk"
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
            "requests": requests_,
        },
    )
    if revealed:
        # The full numbers must not linger in a cache or be shown again by "back".
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
    return response


def _member_of(household: Household, member_pk) -> HouseholdMember:
    return get_object_or_404(household.members.all(), pk=member_pk)


def member_create(request, pk):
    household = get_household_for_user(request.user, pk)
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
    household = get_household_for_user(request.user, pk)
    member = _member_of(household, member_pk)
    form = MemberForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            # A fresh copy: if the service refuses, the page still shows the number on file.
            register.member_update(
                actor=request.user,
                member=HouseholdMember.objects.get(pk=member.pk),
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


# --- Authorisations ---------------------------------------------------------------------------


def authorization_create(request, pk, member_pk):
    household = get_household_for_user(request.user, pk)
    member = _member_of(household, member_pk)
    form = AuthorizationForm(request.POST or None, request.FILES or None, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            register.authorization_record(
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
            return redirect(household)
    return render(
        request,
        "verification/authorization_form.html",
        {"household": household, "member": member, "form": form},
    )


def authorization_scan(request, pk):
    """Stream a scan to the office, never through a public URL; each download is logged."""
    authorization = get_authorization_for_user(request.user, pk)
    member = authorization.member
    suffix = authorization.scan.name.rsplit(".", 1)[-1].lower()
    return file_response(
        request,
        authorization.scan,
        filename=f"authorization-{authorization.pk}.{suffix}",
        obj=authorization,
        purpose=AccessLog.Purpose.REVIEW,
        description=_("Authorisation scan of member #%(pk)s (%(masked)s)")
        % {"pk": member.pk, "masked": member.masked_id},
    )


# --- Requests ---------------------------------------------------------------------------------


def request_create(request, pk):
    """File a verification request for a household. Refused, naming them, while any member
    lacks a covering authorisation."""
    household = get_household_for_user(request.user, pk)
    items = services.default_items(household.office)
    missing = register.members_without_authorization(household)
    form = RequestForm(request.POST or None, items=items, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            verification_request = services.request_submit(
                actor=request.user,
                household=household,
                units=form.cleaned_data["units"],
                assistance_type=form.cleaned_data["assistance_type"],
            )
        except services.VerificationError as error:
            messages.error(request, error.message)
        else:
            count = len(form.cleaned_data["units"])
            messages.success(
                request,
                ngettext(
                    "Verification request filed: %(count)d department was asked.",
                    "Verification request filed: %(count)d departments were asked.",
                    count,
                )
                % {"count": count},
            )
            return redirect(verification_request)
    return render(
        request,
        "verification/request_form.html",
        {
            "household": household,
            "form": form,
            "missing": missing,
            "missing_message": services.AuthorizationMissing(missing).message if missing else "",
            "has_members": household.members.exists(),
            "chosen": form.chosen_unit_ids(),
        },
    )


def request_list(request):
    """Requests with progress, nearest open deadline and overdue badge, in a fixed number of
    queries whatever the number of rows."""
    require_office(request.user)
    requests_ = VerificationRequest.objects.order_by("-submitted_at", "-pk")
    filters = RequestFilterForm(request.GET or None)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"]:
            requests_ = requests_.filter(status=data["status"])
        if data["town"]:
            requests_ = requests_.filter(household__town=data["town"])
        if data["assistance_type"]:
            requests_ = requests_.filter(assistance_type=data["assistance_type"])
        if data["overdue"]:
            requests_ = requests_.filter(
                Exists(
                    DepartmentCheck.objects.filter(
                        request=OuterRef("pk"), overdue=True, status__in=DepartmentCheck.OPEN
                    )
                )
            )
    return render(
        request,
        "verification/request_list.html",
        {
            "page": _page(
                request,
                requests_,
                PAGE_SIZE,
                rows=lambda rows: with_applicant(
                    _with_progress(rows.select_related("household")), "household"
                ),
            ),
            "filters": filters,
            "towns": _towns(),
            "query": _query_without_page(request),
            "today": timezone.localdate(),
        },
    )


def _request_checks(verification_request):
    return list(
        verification_request.checks.select_related("unit").order_by("unit__order", "unit__pk")
    )


def _render_request_detail(request, verification_request, *, reply_forms=None, status=200):
    checks = _request_checks(verification_request)
    reply_forms = reply_forms or {}
    for check in checks:
        if check.status == DepartmentCheck.Status.RETURNED:
            check.reply_form = reply_forms.get(check.pk) or ReplyForm(check=check)
    context = {
        "vr": verification_request,
        "household": verification_request.household,
        "checks": checks,
        "returned": [c for c in checks if c.status == DepartmentCheck.Status.RETURNED],
        "answered_count": sum(c.status == DepartmentCheck.Status.ANSWERED for c in checks),
        "any_provisional": any(c.deadline_provisional for c in checks),
        "under_way": verification_request.status == VerificationRequest.Status.SUBMITTED,
        "refresh_seconds": REFRESH_SECONDS,
        "today": timezone.localdate(),
    }
    if request.htmx and request.GET.get("fragment") == "checks":
        return render(request, "verification/partials/request_checks.html", context)
    covered = set(verification_request.members.values_list("pk", flat=True))
    members = list(verification_request.household.members.order_by("pk"))
    context["members"] = [m for m in members if m.pk in covered]
    # Added to the household after the request was filed: no department sees them here.
    context["not_covered"] = [m for m in members if m.pk not in covered]
    return render(request, "verification/request_detail.html", context, status=status)


def request_detail(request, pk):
    """Each department's check; its table refreshes by htmx while the request is under way
    (and the page works the same without JavaScript)."""
    verification_request = get_request_for_user(request.user, pk)
    return _render_request_detail(request, verification_request)


@require_POST
def check_reply(request, pk):
    """The clerk answers a department's question; the check goes back to the department."""
    require_office(request.user)
    check = get_check_for_user(request.user, pk)
    verification_request = get_request_for_user(request.user, check.request_id)
    form = ReplyForm(request.POST, check=check)
    if form.is_valid():
        try:
            services.check_reply(actor=request.user, check=check, reply=form.cleaned_data["reply"])
        except services.VerificationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Reply sent to %(unit)s.") % {"unit": check.unit.name})
            return redirect(verification_request)
    return _render_request_detail(request, verification_request, reply_forms={check.pk: form})


@require_http_methods(["GET", "POST"])
def request_cancel(request, pk):
    """Ask for confirmation, then cancel every open check of the request."""
    verification_request = get_request_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.request_cancel(actor=request.user, request=verification_request)
        except services.VerificationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Verification request cancelled."))
        return redirect(verification_request)
    return render(
        request,
        "verification/request_cancel.html",
        {"vr": verification_request, "household": verification_request.household},
    )


# --- Overdue ----------------------------------------------------------------------------------


def overdue_list(request):
    """Open checks past their deadline, grouped by department, with the working days they
    are overdue. A fixed number of queries: one page of checks, one summary per unit."""
    require_office(request.user)
    checks = DepartmentCheck.objects.filter(overdue=True, status__in=DepartmentCheck.OPEN).order_by(
        "unit__order", "unit__pk", "deadline", "pk"
    )
    summary = list(
        DepartmentCheck.objects.filter(overdue=True, status__in=DepartmentCheck.OPEN)
        .values("unit__pk", "unit__name", "unit__order")
        .annotate(count=Count("pk"), oldest=Min("deadline"))
        .order_by("unit__order", "unit__pk")
    )
    page = _page(
        request,
        checks,
        OVERDUE_PAGE_SIZE,
        rows=lambda rows: with_applicant(
            rows.select_related("unit", "request__household"), "request__household"
        ),
    )
    today = timezone.localdate()
    calendar = WorkdayCalendar()
    days_late: dict[datetime.date, int] = {}
    for check in page.object_list:
        if check.deadline not in days_late:
            days_late[check.deadline] = calendar.working_days_between(check.deadline, today)
        check.days_overdue = days_late[check.deadline]
    units = [
        {"unit": unit, "checks": list(rows)}
        for unit, rows in groupby(page.object_list, key=lambda c: c.unit)
    ]
    return render(
        request,
        "verification/overdue_list.html",
        {
            "page": page,
            "units": units,
            "summary": summary,
            "total": sum(row["count"] for row in summary),
            "today": today,
        },
    )
