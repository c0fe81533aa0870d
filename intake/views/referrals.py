"""The units' side: a liaison's inbox of referrals (their units' only) and the referral
page, where the unit signs for it, returns it with a reason, reports progress, records help
given first (urgent cases, lead unit) and closes it with its outcome; the office re-routes
a returned referral to another unit from the same page.

Objects come from the gateway (``intake.pages``: outsiders get 404); every change goes
through ``intake.services``, whose ``IntakeError`` is shown on the page and changes nothing.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import pages, permissions, selectors, services
from ..forms import CloseForm, HelpFirstForm, ProgressForm, ReasonForm, RerouteForm
from ..models import Referral

PAGE_SIZE = 50


def inbox(request):
    pages.require_liaison(request.user)
    page = Paginator(pages.liaison_inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "intake/referral_inbox.html", {"page": page, "query": ""})


def _unit_forms(referral: Referral, bound: dict) -> dict:
    """The forms the unit may use in the referral's state."""
    forms = {}
    if referral.is_active:
        forms["return_form"] = bound.get("return_form") or ReasonForm()
    if referral.status == Referral.Status.IN_PROGRESS:
        forms["progress_form"] = bound.get("progress_form") or ProgressForm()
        forms["close_form"] = bound.get("close_form") or CloseForm()
        if (
            referral.application.urgent
            and referral.role == Referral.Role.LEAD
            and not referral.help_first
        ):
            forms["help_first_form"] = bound.get("help_first_form") or HelpFirstForm()
    return forms


def _render_referral(request, referral: Referral, **bound):
    works = permissions.can_act_on_referral(request.user, referral)
    office = permissions.can_run_application(request.user, referral.application)
    context = {
        "referral": referral,
        "application": referral.application,
        "id_number": permissions.shown_id_number(request.user, referral.application),
        "personal": permissions.sees_applicants(request.user),
        "events": [
            event
            for event in selectors.application_timeline(referral.application)
            if event.referral_id == referral.pk
        ],
        "works": works,
        "office": office,
    }
    if works:
        context.update(_unit_forms(referral, bound))
        context.update(bound)
    if office and referral.status == Referral.Status.RETURNED:
        context["reroute_form"] = bound.get("reroute_form") or RerouteForm(
            office=referral.application.office
        )
    return render(request, "intake/referral_detail.html", context, status=400 if bound else 200)


def referral_detail(request, pk):
    return _render_referral(request, permissions.get_referral_for_user(request.user, pk))


def _done(request, referral: Referral, text: str):
    messages.success(request, text)
    return redirect("intake:referral_detail", pk=referral.pk)


def _refused(form, error) -> None:
    form.add_error(None, error.message)


@require_POST
def sign(request, pk):
    referral = pages.get_referral_to_work_on(request.user, pk)
    try:
        services.referral_sign(actor=request.user, referral=referral)
    except services.IntakeError as error:
        messages.error(request, error.message)
        return redirect("intake:referral_detail", pk=referral.pk)
    return _done(request, referral, _("Signed for."))


@require_POST
def return_(request, pk):
    referral = pages.get_referral_to_work_on(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.referral_return(
                actor=request.user, referral=referral, reason=form.cleaned_data["reason"].strip()
            )
        except services.IntakeError as error:
            _refused(form, error)
        else:
            return _done(request, referral, _("The referral was returned to the office."))
    return _render_referral(request, referral, return_form=form)


@require_POST
def progress(request, pk):
    referral = pages.get_referral_to_work_on(request.user, pk)
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.referral_progress(
                actor=request.user, referral=referral, text=form.cleaned_data["text"].strip()
            )
        except services.IntakeError as error:
            _refused(form, error)
        else:
            return _done(request, referral, _("Progress recorded."))
    return _render_referral(request, referral, progress_form=form)


@require_POST
def help_first(request, pk):
    referral = pages.get_referral_to_work_on(request.user, pk)
    form = HelpFirstForm(request.POST)
    if form.is_valid():
        try:
            services.referral_help_first(
                actor=request.user, referral=referral, note=form.cleaned_data["note"].strip()
            )
        except services.IntakeError as error:
            _refused(form, error)
        else:
            return _done(request, referral, _("The help given first was recorded."))
    return _render_referral(request, referral, help_first_form=form)


@require_POST
def close(request, pk):
    referral = pages.get_referral_to_work_on(request.user, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_close(
                actor=request.user,
                referral=referral,
                result=services.Outcome(
                    outcome=data["outcome"],
                    program=data["outcome_program"],
                    amount=data["amount"],
                    service=data["service"].strip(),
                    reason=data["reason"].strip(),
                    passed_to=data["passed_to"].strip(),
                ),
            )
        except services.IntakeError as error:
            _refused(form, error)
        else:
            return _done(request, referral, _("The referral was closed."))
    return _render_referral(request, referral, close_form=form)


@require_POST
def reroute(request, pk):
    """The office sends a returned referral to another unit; the clock restarts."""
    pages.require_office(request.user)
    referral = permissions.get_referral_for_user(request.user, pk)
    form = RerouteForm(request.POST, office=referral.application.office)
    if form.is_valid():
        try:
            new = services.referral_reroute(
                actor=request.user, referral=referral, unit=form.cleaned_data["unit"]
            )
        except services.IntakeError as error:
            _refused(form, error)
        else:
            return _done(request, new, _("The referral was re-routed."))
    return _render_referral(request, referral, reroute_form=form)
