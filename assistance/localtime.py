"""Times as the office reads them: in the office's time zone (``TIME_ZONE``, Beijing time),
named so nobody mistakes it for UTC.

``date:"T"`` and ``strftime("%Z")`` print "CST", which a reader cannot tell from US Central
Time, and the auditors' logs used to print UTC. Every page, report and export that shows a
moment says the zone with ``zone_name()``: 北京时间 / "Beijing time" for Asia/Shanghai,
otherwise the offset written out (``UTC+08:00``).
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

BEIJING = "Asia/Shanghai"


def zone_name(moment: datetime.datetime | None = None) -> str:
    """The office's time zone as a reader names it, in the reader's language."""
    if settings.TIME_ZONE == BEIJING:
        return gettext("Beijing time")
    offset = timezone.localtime(moment or timezone.now()).utcoffset() or datetime.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def stamp(moment: datetime.datetime | None, *, seconds: bool = False) -> str:
    """``2026-12-07 09:30 北京时间``: a moment in the office's zone, with the zone's name;
    "" for None."""
    if moment is None:
        return ""
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return f"{timezone.localtime(moment).strftime(pattern)} {zone_name(moment)}"


def naive_local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A moment in the office's zone without its zone, as a spreadsheet cell holds it
    (XLSX has no time zones; the column heading names the zone)."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None)
