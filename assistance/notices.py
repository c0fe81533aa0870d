"""Messages kept as a key and its arguments, rendered in the reader's language.

A notification (or an access-log description) written by one person is read by another,
often in the other language: the Chinese director reads what an English-speaking clerk's
action caused. So the writer stores the untranslated msgid and its arguments
(``notice(gettext_noop("… %(unit)s …"), unit=…)``), and the page or the e-mail renders
it with gettext in the reader's language. An argument may itself be a notice (a status,
a reason), rendered the same way. Rows written before keep their stored text.
"""

from django.utils import translation
from django.utils.translation import gettext

# A notice is plain JSON, so it can be stored in a JSONField and sent to a task.
Notice = dict


def notice(msgid: str, **params) -> Notice:
    """A message to render later: ``msgid`` (marked with ``gettext_noop`` where it is
    written, so makemessages finds it) and its ``%(name)s`` arguments (JSON values or
    notices)."""
    return {"msgid": str(msgid), "params": params}


def is_notice(value) -> bool:
    return isinstance(value, dict) and "msgid" in value


def _param(value):
    if is_notice(value):
        return render(value)
    return value


def render(value, fallback: str = "") -> str:
    """``value`` (a notice, or plain text) in the active language. An argument the
    translation does not fit (a broken catalogue entry) falls back to the English text,
    then to ``fallback``: a message is never lost for a typo."""
    if not is_notice(value):
        return str(value) if value else fallback
    params = {name: _param(v) for name, v in (value.get("params") or {}).items()}
    msgid = value["msgid"]
    for text in (gettext(msgid), msgid):
        try:
            return text % params if params else text
        except (KeyError, ValueError, TypeError):
            continue
    return fallback or msgid


def label(lazy_text) -> Notice:
    """A notice of a translatable label already marked elsewhere (a choice's label, a
    lazy string): English is the source language, so its English text is its msgid."""
    with translation.override("en"):
        return notice(str(lazy_text))
