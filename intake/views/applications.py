"""The office's application pages: the list, receiving an application (with the
duplicate check shown before saving, or a refusal 不予受理), the application page, the
referral to units, the answer to the applicant and 一事一议 (a meeting's agenda).

Objects come from the gateway (``intake.pages``: outsiders get 404); every change goes
through ``intake.services``, whose ``IntakeError`` is shown on the page and changes nothing.
"""

from django.contrib import messages
from django.core import signing
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistance.idnumbers import normalize_id_number

from .. import pages, permissions, selectors, services
from ..forms import (
    AgendaForm,
    AnswerForm,
    ApplicationFilterForm,
    ApplicationForm,
    MemberRows,
    ShareForm,
)
from ..models import Application

PAGE_SIZE = 50
CHECK_SALT = "intake.duplicate-check"
CHECK_MAX_AGE = 60 * 60 * 12
ANSWERABLE = (Application.Status.CLOSED,)
SHAREABLE = (
    Application.Status.RECEIVED,
    Application.Status.REFERRED,
    Application.Status.IN_PROGRESS,
)


def application_list(request):
    """Every application for the office (and auditors), newest first, filtered."""
    permissions.require_reader(request.user)
    filters = ApplicationFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    page = Paginator(pages.application_list(request.user, data), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "intake/application_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "can_receive": permissions.can_receive(request.user),
            "personal": permissions.sees_applicants(request.user),
        },
    )


def _data(cleaned: dict, members=None) -> services.ApplicationData:
    skip = ("refusal_reason", "household", "assistance_type", "files")
    fields = {key: value for key, value in cleaned.items() if key not in skip}
    fields["programs"] = list(fields["programs"])
    choice = cleaned.get("household", "")
    if choice == "new":
        fields["new_household"] = services.NewHousehold(
            assistance_type=cleaned["assistance_type"], members=members or []
        )
    elif choice:
        fields["household"] = selectors.household_to_file_under(int(choice))
        if fields["household"] is None:
            raise services.IntakeError(_("That household is not in the register."))
    return services.ApplicationData(**fields)


def _member_rows(rows) -> list:
    """The household members typed in the rows that are filled in."""
    return [
        services.MemberData(
            name=row["name"].strip(), relation=row["relation"], id_number=row["id_number"]
        )
        for row in rows.cleaned_data
        if row
    ]


def _checked_details(data: dict) -> list:
    """The applicant details the duplicate check looked at, normalised."""
    birth = data.get("applicant_birth_date")
    return [
        normalize_id_number(data.get("applicant_id_number")),
        (data.get("applicant_name") or "").strip(),
        birth.isoformat() if birth else "",
    ]


def check_token(data: dict) -> str:
    """Signed proof that the duplicates of these very applicant details were shown."""
    return signing.dumps(_checked_details(data), salt=CHECK_SALT)


def _was_checked(token: str, data: dict) -> bool:
    try:
        checked = signing.loads(token or "", salt=CHECK_SALT, max_age=CHECK_MAX_AGE)
    except signing.BadSignature:
        return False
    return checked == _checked_details(data)


def _receive(request, form, rows, step: str) -> Application | None:
    """Save or refuse, as the step asks; None for the check step. Saving needs the
    duplicate check done for these very applicant details (its signed token)."""
    data, files = form.cleaned_data, form.cleaned_data["files"]
    if step == "save":
        if not _was_checked(request.POST.get("check_token"), data):
            raise services.IntakeError(
                _("Check for duplicates of these applicant details before saving.")
            )
        application = services.application_receive(
            actor=request.user,
            data=_data(data, _member_rows(rows) if form.registers_household() else []),
            files=files,
        )
        messages.success(
            request, _("Application %(number)s received.") % {"number": application.number}
        )
        return application
    if step == "refuse":
        application = services.application_refuse(
            actor=request.user, data=_data(data), reason=data["refusal_reason"].strip(), files=files
        )
        messages.success(
            request, _("Application %(number)s not accepted.") % {"number": application.number}
        )
        return application
    return None


def application_create(request):
    """Step "check" lists possible duplicates (and the households of the register the
    applicant belongs to); "save" receives, "refuse" records a refusal with its reason.
    Nothing is saved before the duplicates were shown."""
    permissions.require_office(request.user)
    form = ApplicationForm(request.POST or None, request.FILES or None)
    # The member rows appear with the check's answer: the first post has none to bind.
    has_rows = "member-TOTAL_FORMS" in request.POST
    rows = MemberRows(request.POST if has_rows else None, prefix="member")
    context = {"form": form, "rows": rows, "checked": False, "duplicates": []}
    rows_refused = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rows_refused = form.registers_household() and not rows.is_valid()
        step = "check" if rows_refused else request.POST.get("step", "check")
        try:
            application = _receive(request, form, rows, step)
        except services.IntakeError as error:
            _refused(form, error)
        else:
            if application is not None:
                return redirect("intake:application_detail", pk=application.pk)
        context["duplicates"] = selectors.possible_duplicates(
            id_number=data["applicant_id_number"],
            name=data["applicant_name"],
            birth_date=data["applicant_birth_date"],
        )
        context["checked"] = True
        context["check_token"] = check_token(data)
    status = 400 if form.errors or rows_refused else 200
    return render(request, "intake/application_form.html", context, status=status)


def _office_forms(application: Application, bound: dict) -> dict:
    forms = {"answer_form": None, "agenda_form": None}
    if application.status in ANSWERABLE or "answer_form" in bound:
        forms["answer_form"] = bound.get("answer_form") or AnswerForm()
    if (application.is_open and application.agenda_item_id is None) or "agenda_form" in bound:
        forms["agenda_form"] = bound.get("agenda_form") or AgendaForm(office=application.office)
    return forms


def _render_application(request, application: Application, **bound):
    office = permissions.can_run_application(request.user, application)
    context = {
        "application": application,
        "id_number": permissions.shown_id_number(request.user, application),
        "personal": permissions.sees_applicants(request.user),
        "referrals": selectors.application_referrals(application),
        "events": selectors.application_timeline(application),
        "agenda": selectors.application_agenda(application),
        "office": office,
        "can_share": application.status in SHAREABLE,
    }
    if office:
        context.update(_office_forms(application, bound))
    status = 400 if bound else 200
    return render(request, "intake/application_detail.html", context, status=status)


def application_detail(request, pk):
    application = permissions.get_application_for_user(request.user, pk)
    return _render_application(request, application)


def _refused(form, error) -> None:
    form.add_error(None, error.message)


def share(request, pk):
    """Refer the application: the programmes' units suggested, one lead, others assist."""
    application = permissions.get_office_application(request.user, pk)
    form = ShareForm(
        request.POST or None,
        office=application.office,
        suggested=pages.suggested_units(application),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.referrals_share(
                actor=request.user,
                application=application,
                lead=data["lead"],
                assisting=list(data["assisting"]),
                ask=data["ask"],
                note=data["note"].strip(),
            )
        except services.IntakeError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The application was referred."))
            return redirect("intake:application_detail", pk=application.pk)
    return render(request, "intake/share_form.html", {"application": application, "form": form})


@require_POST
def answer(request, pk):
    application = permissions.get_office_application(request.user, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.application_answer(
                actor=request.user, application=application, text=form.cleaned_data["text"].strip()
            )
        except services.IntakeError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The applicant was answered."))
            return redirect("intake:application_detail", pk=application.pk)
    return _render_application(request, application, answer_form=form)


@require_POST
def to_agenda(request, pk):
    """一事一议: a case the units cannot settle alone goes on a joint meeting's agenda."""
    application = permissions.get_office_application(request.user, pk)
    form = AgendaForm(request.POST, office=application.office)
    if form.is_valid():
        try:
            services.application_to_agenda(
                actor=request.user, application=application, meeting=form.cleaned_data["meeting"]
            )
        except services.IntakeError as error:
            _refused(form, error)
        else:
            messages.success(request, _("The case was put on the meeting's agenda."))
            return redirect("intake:application_detail", pk=application.pk)
    return _render_application(request, application, agenda_form=form)
