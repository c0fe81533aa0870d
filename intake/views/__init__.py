"""Views of intake: the office's applications (``applications``), the units' referrals
(``referrals``), the applicant's papers (``documents``), and an application's files and
its applicant's full ID number (``files``)."""

from .applications import (
    answer,
    application_create,
    application_detail,
    application_list,
    share,
    to_agenda,
)
from .documents import receipt, receipt_docx, refusal_docx, refusal_notice
from .files import attach, attachment_download, reveal_id
from .referrals import (
    chase,
    close,
    help_first,
    inbox,
    link_verification,
    progress,
    referral_detail,
    reroute,
    return_,
    sign,
)

__all__ = [
    "answer",
    "attach",
    "attachment_download",
    "application_create",
    "application_detail",
    "application_list",
    "chase",
    "close",
    "help_first",
    "inbox",
    "link_verification",
    "progress",
    "receipt",
    "receipt_docx",
    "referral_detail",
    "refusal_docx",
    "refusal_notice",
    "reroute",
    "return_",
    "reveal_id",
    "share",
    "sign",
    "to_agenda",
]
