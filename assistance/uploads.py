"""Checking uploaded files by what they contain, not by what they are called.

A browser's content type and a file's name are whatever the sender says. Uploads here end
up opened by other people in the office (scans of authorisations, attachments to agenda
items), so each is judged by its first bytes (``filetype``), and its name must end the
way its content says: a PDF called ``report.png`` or a program called ``scan.pdf`` is
refused. Each failure has one message saying what is wrong and what to do.

Use ``UploadValidator`` as a form field's validator (it reads the size limit from a
setting each time, so tests and deployments can change it), or ``check_upload`` directly.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# filetype reads at most this many bytes from the start of a file.
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileKind:
    """A kind of file an upload may be: its content type, the name endings it may carry
    (the first is the one to suggest) and how messages name it."""

    mime: str
    suffixes: tuple[str, ...]
    # "a PDF document": completes "its content is …".
    label: Promise
    # "PDF": for lists of what is accepted.
    short: Promise


PDF = FileKind("application/pdf", ("pdf",), _("a PDF document"), _("PDF"))
JPEG = FileKind("image/jpeg", ("jpg", "jpeg"), _("a JPEG image"), _("JPEG"))
PNG = FileKind("image/png", ("png",), _("a PNG image"), _("PNG"))
DOCX = FileKind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
    _("a Word document (DOCX)"),
    _("Word (DOCX)"),
)
XLSX = FileKind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ("xlsx",),
    _("an Excel workbook (XLSX)"),
    _("Excel (XLSX)"),
)
# Every kind known here, so a file of a known but unaccepted kind is named in the message.
KNOWN_KINDS = (PDF, JPEG, PNG, DOCX, XLSX)


def kinds_text(kinds: Sequence[FileKind]) -> str:
    """ "PDF, JPEG or PNG": the accepted kinds, for help texts and messages."""
    names = [str(kind.short) for kind in kinds]
    if len(names) == 1:
        return names[0]
    return str(_("%(first)s or %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]})


def accept_attribute(kinds: Sequence[FileKind]) -> str:
    """The ``accept`` attribute of a file input: the name endings of ``kinds``."""
    return ",".join(f".{suffix}" for kind in kinds for suffix in kind.suffixes)


@dataclass(frozen=True)
class UploadMessages:
    """The messages of a check. Each may use ``%(name)s`` (the uploaded name), and:
    ``too_large`` ``%(size)s`` and ``%(limit)s``; ``wrong_type`` ``%(kinds)s``;
    ``name_mismatch`` ``%(kind)s`` and ``%(suffix)s``."""

    too_large: Promise = _(
        "“%(name)s” is %(size)s; at most %(limit)s is accepted. Make the file smaller."
    )
    empty: Promise = _("The uploaded file is empty.")
    wrong_type: Promise = _(
        "The content of “%(name)s” is not %(kinds)s (whatever its name says). "
        "Upload a file of one of these kinds."
    )
    name_mismatch: Promise = _(
        "The file is named “%(name)s” but its content is %(kind)s: give it the "
        "ending .%(suffix)s or upload the right file."
    )


def _suffix(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_upload(
    upload,
    *,
    kinds: Sequence[FileKind],
    max_bytes: int,
    messages: UploadMessages | None = None,
) -> FileKind:
    """Return the kind of ``upload`` (an ``UploadedFile``), or raise ``ValidationError``
    with one message: too large, empty, not of an accepted kind judged by its content, or
    named with an ending that does not match its content. The file is left at its start."""
    messages = messages or UploadMessages()
    name = upload.name or ""
    if upload.size > max_bytes:
        raise ValidationError(
            messages.too_large,
            code="too_large",
            params={
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(max_bytes),
            },
        )
    if upload.size == 0:
        raise ValidationError(messages.empty, code="empty", params={"name": name})
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    guessed = filetype.guess(head)
    kind = next((k for k in kinds if guessed is not None and k.mime == guessed.mime), None)
    if kind is None:
        raise ValidationError(
            messages.wrong_type,
            code="wrong_type",
            params={"name": name, "kinds": kinds_text(kinds)},
        )
    if _suffix(name) not in kind.suffixes:
        raise ValidationError(
            messages.name_mismatch,
            code="name_mismatch",
            params={"name": name, "kind": kind.label, "suffix": kind.suffixes[0]},
        )
    return kind


@deconstructible
class UploadValidator:
    """A field validator running ``check_upload`` with the size limit read from the
    setting ``max_bytes_setting`` at validation time."""

    def __init__(
        self,
        *,
        kinds: Sequence[FileKind],
        max_bytes_setting: str,
        messages: UploadMessages | None = None,
    ):
        self.kinds = tuple(kinds)
        self.max_bytes_setting = max_bytes_setting
        self.messages = messages or UploadMessages()

    @property
    def max_bytes(self) -> int:
        return getattr(settings, self.max_bytes_setting)

    def __call__(self, upload) -> None:
        check_upload(upload, kinds=self.kinds, max_bytes=self.max_bytes, messages=self.messages)

    def help_text(self) -> str:
        """ "PDF, JPEG or PNG, at most 5.0 MB."""
        return _("%(kinds)s, at most %(size)s.") % {
            "kinds": kinds_text(self.kinds),
            "size": filesizeformat(self.max_bytes),
        }

    def accept(self) -> str:
        return accept_attribute(self.kinds)

    def __eq__(self, other):
        return (
            isinstance(other, UploadValidator)
            and self.kinds == other.kinds
            and self.max_bytes_setting == other.max_bytes_setting
            and self.messages == other.messages
        )
