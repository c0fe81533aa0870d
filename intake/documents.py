"""The two papers the applicant is given: the receipt (受理回执) and the refusal notice
(不予受理告知书). One text for both forms: the printable page and the Word file
(``assistance.wordexport``), in the language of the request."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from assistance import wordexport
from assistance.idnumbers import mask_id_number

from .models import Application

DOCX_CONTENT_TYPE = wordexport.DOCX_CONTENT_TYPE
FONTS = wordexport.Fonts(title="SimSun", body="FangSong", heading="SimHei", kai="KaiTi")


@dataclass
class Paper:
    title: str
    number: str
    addressee: str
    paragraphs: list[str]
    issuer: str
    date: str


def _common(application: Application) -> dict:
    received = timezone.localtime(application.received_at)
    return {
        "name": application.applicant_name,
        "id": mask_id_number(application.applicant_id_number) or "—",
        "date": date_format(received, "DATE_FORMAT"),
        "number": application.number,
    }


def _issuer(application: Application) -> str:
    return _("Office of %(group)s") % {"group": application.office.name}


def receipt(application: Application) -> Paper:
    values = _common(application)
    return Paper(
        title=_("Receipt of an application"),
        number=_("No. %(number)s") % values,
        addressee=_("%(name)s (ID number %(id)s):") % values,
        paragraphs=[
            _(
                "Your application for assistance, handed in on %(date)s, has been received "
                "under number %(number)s."
            )
            % values,
            _(
                "The office will refer it to the member units concerned and answer you once "
                "they have dealt with it. Please quote the number above in any enquiry."
            ),
        ],
        issuer=_issuer(application),
        date=values["date"],
    )


def refusal_notice(application: Application) -> Paper:
    values = _common(application)
    return Paper(
        title=_("Notice of an application not accepted"),
        number=_("No. %(number)s") % values,
        addressee=_("%(name)s (ID number %(id)s):") % values,
        paragraphs=[
            _("Your application for assistance, handed in on %(date)s, is not accepted.") % values,
            _("Reason: %(reason)s") % {"reason": application.refusal_reason},
            _(
                "If you disagree, you may ask the office to review its decision, or apply "
                "again when your circumstances change."
            ),
        ],
        issuer=_issuer(application),
        date=values["date"],
    )


def paper_docx(paper: Paper) -> bytes:
    doc = wordexport.OfficialDocument(fonts=FONTS)
    doc.properties(title=paper.title, author=paper.issuer)
    doc.title(paper.title, bold=True)
    doc.document_number(paper.number)
    doc.blank()
    doc.paragraph(paper.addressee)
    for text in paper.paragraphs:
        doc.body(text)
    doc.blank()
    doc.signature(paper.issuer, paper.date)
    return doc.to_bytes()
