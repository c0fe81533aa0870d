"""Who may see and do what in intake: the one gateway per object kind, and the one door to
an applicant's full ID number.

Applications are the office's: its clerks and its director see every one and run them
(receive, refuse, refer, re-route, answer, put on a meeting's agenda). A referral is also
its unit's: every active liaison of the unit sees it, and the application through it (ID
number masked), and signs for, returns, reports on and closes it; so does the unit's own
system through the API (``referrals_for_unit``; its account acts for the unit, see
``acts_for``). Auditors read applications and their timelines. Everyone else gets 404,
never a hint that it exists.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop

from assistance.files import file_response
from assistance.idnumbers import mask_id_number
from assistance.models import AccessLog
from assistance.notices import notice
from assistance.roles import Role, has_role
from assistance.services import access_log_record
from members.acting import acting_unit_id
from members.models import Liaison, MemberUnit
from members.selectors import liaison_unit

from .models import Application, ApplicationAttachment, Referral

OFFICE_ROLES = (Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR)

# --- Who is who -------------------------------------------------------------------------------


def is_office(user) -> bool:
    """The office's clerks and its director: they receive and run applications."""
    return has_role(user, *OFFICE_ROLES)


def is_auditor(user) -> bool:
    return has_role(user, Role.AUDITOR)


def sees_applicants(user) -> bool:
    """Who sees an applicant's name, phone, address and hardship: the office and the
    liaisons who work on the referral. Auditors follow the process (states, timeline, who
    and when) with the name masked and the rest withheld: their work needs none of it."""
    return is_office(user) or has_role(user, Role.UNIT_LIAISON)


def reads_all(user) -> bool:
    """Who reads every application and its timeline: the office and the auditors."""
    return is_office(user) or is_auditor(user)


def acts_for(user, unit: MemberUnit | int) -> bool:
    """Whether ``user`` acts for ``unit``: an active liaison of it (one query), or the
    account of the unit's own system in a call the API authenticated for that unit
    (``members.acting``; no query). The system is never made a liaison, so nothing meant
    for the unit's people (notifications, reminders, chases) reaches it."""
    if user is None or not user.is_authenticated:
        return False
    unit_id = unit if isinstance(unit, int) else unit.pk
    acting = acting_unit_id(user)
    if acting is not None:
        return acting == unit_id
    return Liaison.objects.filter(user=user, unit_id=unit_id, active=True).exists()


def _liaison_units(user) -> QuerySet:
    return Liaison.objects.filter(user=user, active=True).values("unit_id")


# --- Rules: who may do what -------------------------------------------------------------------


def can_receive(user) -> bool:
    """Receive (or refuse) an application, refer it, re-route it, answer it."""
    return is_office(user)


def can_run_application(user, application: Application) -> bool:
    return is_office(user)


def can_act_on_referral(user, referral: Referral) -> bool:
    """Sign for, return, report on, help first on and close a referral: its unit's
    liaisons."""
    return acts_for(user, referral.unit_id)


def can_see_full_id(user, application: Application) -> bool:
    """The office needs the full number to look the applicant up; a unit sees it masked,
    and asks the office (or the verification request) for more."""
    return is_office(user)


# --- Gateways ---------------------------------------------------------------------------------


def applications_for(user) -> QuerySet[Application]:
    """The applications ``user`` may see: all for the office and auditors; for a liaison,
    those referred to their unit; none for anyone else."""
    if not user.is_authenticated:
        return Application.objects.none()
    if reads_all(user):
        return Application.objects.all()
    referred = Referral.objects.filter(application=OuterRef("pk"), unit_id__in=_liaison_units(user))
    return Application.objects.filter(Exists(referred))


def get_application_for_user(user, pk) -> Application:
    """One application ``user`` may see, else 404."""
    application = (
        applications_for(user).select_related("office", "received_by", "household").filter(pk=pk)
    )
    found = application.first()
    if found is None:
        raise Http404
    return found


def referrals_for_liaison(user) -> QuerySet[Referral]:
    """The referrals to the units ``user`` is an active liaison of (none for others)."""
    if not user.is_authenticated:
        return Referral.objects.none()
    return Referral.objects.filter(unit_id__in=_liaison_units(user))


def referrals_for(user) -> QuerySet[Referral]:
    """Every referral for the office and auditors, the unit's own for a liaison."""
    if not user.is_authenticated:
        return Referral.objects.none()
    if reads_all(user):
        return Referral.objects.all()
    return referrals_for_liaison(user)


def get_referral_for_user(user, pk) -> Referral:
    """One referral ``user`` may see, else 404."""
    found = (
        referrals_for(user)
        .select_related("application", "unit", "verification_request")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def referrals_for_unit(unit: MemberUnit) -> QuerySet[Referral]:
    """The referrals to ``unit``: what its own system, bound to it by its API client, may
    read and act on (the same rows as its liaisons' inbox)."""
    return Referral.objects.filter(unit=unit)


def get_referral_for_unit(unit: MemberUnit, pk) -> Referral:
    """One referral to ``unit``, else 404: another unit's referral does not exist for it."""
    rows = referrals_for_unit(unit).select_related("application", "unit", "outcome_program")
    return get_object_or_404(rows, pk=pk)


def get_paper_for_user(user, pk, *, refused: bool) -> Application:
    """An application whose papers addressed to the applicant (receipt, or refusal notice
    when ``refused``) ``user`` may print: they name the applicant, so not for auditors; a
    receipt exists once accepted, a refusal notice only when refused. Else 404."""
    application = get_application_for_user(user, pk)
    if not sees_applicants(user):
        raise Http404
    if (application.status == Application.Status.REFUSED) != refused:
        raise Http404
    return application


def get_attachment_for_user(user, pk) -> ApplicationAttachment:
    """A file of an application ``user`` may see and download (not auditors: papers name
    the applicant), else 404."""
    if not sees_applicants(user):
        raise Http404
    found = (
        ApplicationAttachment.objects.filter(pk=pk, application__in=applications_for(user))
        .select_related("application")
        .first()
    )
    if found is None:
        raise Http404
    return found


# --- Personal data ----------------------------------------------------------------------------


def shown_id_number(user, application: Application) -> str:
    """The applicant's ID number as ``user`` sees it on a page: always masked."""
    return (
        mask_id_number(application.applicant_id_number) if application.applicant_id_number else ""
    )


def reveal_id_number(user, application: Application, *, path: str = "") -> str:
    """The full number for the office, with a line in the access log; 404 for others."""
    if not can_see_full_id(user, application):
        raise Http404
    access_log_record(
        user=user,
        obj=application,
        purpose=AccessLog.Purpose.INTAKE_IDENTIFY,
        description=notice(
            gettext_noop("ID number of the applicant of %(number)s"), number=application.number
        ),
        path=path,
    )
    return application.applicant_id_number


def attachment_response(request, attachment: ApplicationAttachment) -> FileResponse:
    """Hand over a file the gateway gave ``request.user`` (``get_attachment_for_user``),
    logging the download."""
    return file_response(
        request,
        attachment.file,
        filename=attachment.name,
        obj=attachment.application,
        purpose=AccessLog.Purpose.INTAKE_FILE,
        description=notice(
            gettext_noop("File %(name)s of %(number)s"),
            name=attachment.name,
            number=attachment.application.number,
        ),
    )


# --- The 404 guards of each kind of page ---------------------------------------------------


def require_office(user) -> None:
    if not is_office(user):
        raise Http404


def require_reader(user) -> None:
    """The office and the auditors read every application."""
    if not reads_all(user):
        raise Http404


def require_liaison(user) -> None:
    """The inbox is a liaison's: an active liaison of some unit, with the role."""
    if not has_role(user, Role.UNIT_LIAISON) or liaison_unit(user) is None:
        raise Http404


def get_office_application(user, pk) -> Application:
    require_office(user)
    return get_application_for_user(user, pk)


def get_referral_to_work_on(user, pk) -> Referral:
    """A referral its unit's liaison signs, returns, reports on or closes."""
    referral = get_referral_for_user(user, pk)
    if not can_act_on_referral(user, referral):
        raise Http404
    return referral
