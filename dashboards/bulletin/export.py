"""The quarterly bulletin as a Word file in the official layout (``assistance.wordexport``):
the group's office as issuer, the title, the summary, then each section numbered 一、二、…
with its chart as a picture (drawn on the server) and its numbers as a table."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import wordexport

from ..charts import Chart
from .content import Bulletin
from .images import png


def _cells(chart: Chart) -> list:
    return [([("—" if cell is None else str(cell)) for cell in row], False) for row in chart.rows()]


def _numbers(doc, chart: Chart) -> None:
    if chart.empty:
        doc.body(_("Nothing to report for this quarter."))
        return
    doc.table(chart.header(), _cells(chart))


def bulletin_docx(bulletin: Bulletin) -> bytes:
    # python-docx (8 MB with lxml) loads only when a bulletin is written: workers import this
    # module (through the URLconf, which Celery's Django fixup checks).
    from docx.shared import Mm

    doc = wordexport.OfficialDocument()
    office = bulletin.group.short_name or bulletin.group.name
    doc.properties(title=bulletin.title, author=office)
    doc.page_numbers()
    doc.title(bulletin.title, bold=True)
    doc.blank()
    doc.body(bulletin.summary)
    for number, section in enumerate(bulletin.sections, start=1):
        doc.heading(section.heading, level=1, number=number)
        if section.text:
            doc.body(section.text)
        chart = section.chart or section.table
        image = png(section.chart) if section.chart else b""
        if image:
            doc.document.add_picture(io.BytesIO(image), width=Mm(150))
        _numbers(doc, chart)
    doc.blank()
    doc.signature(office, timezone.localdate().strftime("%Y-%m-%d"))
    return doc.to_bytes()
