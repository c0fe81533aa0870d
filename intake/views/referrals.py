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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assistance.services import chases_by_object

from .. import pages, permissions, selectors, services
from ..forms import (
    CloseForm,
    HelpFirstForm,
    LinkVerificationForm,
    ProgressForm,
    ReasonForm,
    RerouteForm,
)
from ..models import Referral

PAGE_SIZE = 50


def inbox(request):
    permissions.require_liaison(request.user)
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
        "events": selectors.referral_timeline(referral),
        "works": works,
        "office": office,
    }
    if works:
        context.update(_unit_forms(referral, bound))
        context.update(bound)
    if office:
        chases = chases_by_object(Referral, [referral.pk]).get(referral.pk, [])
        today = timezone.localdate()
        context.update(
            chases=chases,
            chased_today=any(c.day == today for c in chases),
            can_chase=referral.is_active,
        )
    if office and referral.status == Referral.Status.RETURNED:
        context["reroute_form"] = bound.get("reroute_form") or RerouteForm(
            office=referral.application.office
        )
    if office and referral.is_active and referral.application.household_id:
        context["link_form"] = bound.get("link_form") or LinkVerificationForm(
            requests=selectors.linkable_requests(referral)
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
    referral = permissions.get_referral_to_work_on(request.user, pk)
    try:
        services.referral_sign(actor=request.user, referral=referral)
    except services.IntakeError as error:
        messages.error(request, error.message)
        return redirect("intake:referral_detail", pk=referral.pk)
    return _done(request, referral, _("Signed for."))


def _unit_step(request, pk, form_class, form_name: str, act, done: str):
    """One step a unit's liaison takes on its referral with a form: ``act(referral, data)``
    calls the service; a refusal is shown on the form, on the referral's page."""
    referral = permissions.get_referral_to_work_on(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(referral, form.cleaned_data)
        except services.IntakeError as error:
            _refused(form, error)
        else:
            return _done(request, referral, done)
    return _render_referral(request, referral, **{form_name: form})


@require_POST
def return_(request, pk):
    return _unit_step(
        request,
        pk,
        ReasonForm,
        "return_form",
        lambda referral, data: services.referral_return(
            actor=request.user, referral=referral, reason=data["reason"].strip()
        ),
        _("The referral was returned to the office."),
    )


@require_POST
def progress(request, pk):
    return _unit_step(
        request,
        pk,
        ProgressForm,
        "progress_form",
        lambda referral, data: services.referral_progress(
            actor=request.user, referral=referral, text=data["text"].strip()
        ),
        _("Progress recorded."),
    )


@require_POST
def help_first(request, pk):
    return _unit_step(
        request,
        pk,
        HelpFirstForm,
        "help_first_form",
        lambda referral, data: services.referral_help_first(
            actor=request.user, referral=referral, note=data["note"].strip()
        ),
        _("The help given first was recorded."),
    )


@require_POST
def close(request, pk):
    return _unit_step(
        request,
        pk,
        CloseForm,
        "close_form",
        lambda referral, data: services.referral_close(
            actor=request.user, referral=referral, result=CloseForm.outcome_of(data)
        ),
        _("The referral was closed."),
    )


@require_POST
def reroute(request, pk):
    """The office sends a returned referral to another unit; the clock restarts."""
    permissions.require_office(request.user)
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


@require_POST
def link_verification(request, pk):
    """The office links a verification request of the applicant's household to the
    referral, so the unit decides on the checks already made instead of asking again."""
    permissions.require_office(request.user)
    referral = permissions.get_referral_for_user(request.user, pk)
    form = LinkVerificationForm(request.POST, requests=selectors.linkable_requests(referral))
    if form.is_valid():
        try:
            services.referral_link_verification(
                actor=request.user, referral=referral, request=form.cleaned_data["request"]
            )
        except services.IntakeError as error:
            _refused(form, error)
        else:
            return _done(request, referral, _("The verification request was linked."))
    return _render_referral(request, referral, link_form=form)


@require_POST
def chase(request, pk):
    """The office chases (催办) the unit about a referral still with it: once a day."""
    permissions.require_office(request.user)
    referral = permissions.get_referral_for_user(request.user, pk)
    try:
        done = services.referral_chase(actor=request.user, referral=referral)
    except services.IntakeError as error:
        messages.error(request, error.message)
        return redirect("intake:referral_detail", pk=referral.pk)
    return _done(
        request,
        referral,
        ngettext(
            "%(unit)s was chased: %(count)d liaison notified.",
            "%(unit)s was chased: %(count)d liaisons notified.",
            done.notified,
        )
        % {"unit": referral.unit.name, "count": done.notified},
    )
