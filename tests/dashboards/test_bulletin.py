"""The quarterly bulletin: its quarter, its figures (the dashboards' own), the page by
role, and the Word file with the charts drawn on the server and their numbers as tables,
in both languages."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from docx import Document

from assistance.periods import last_quarter, quarter_span
from dashboards.bulletin.content import quarter_bulletin
from dashboards.bulletin.images import png
from dashboards.charts import Chart, Series
from intake import services
from intake.models import Referral
from tests.intake.conftest import receive, refer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("year", "quarter", "start", "end"),
    [(2026, 1, "2026-01-01", "2026-03-31"), (2026, 4, "2026-10-01", "2026-12-31")],
)
def test_quarter_span(year, quarter, start, end):
    assert quarter_span(year, quarter) == (
        datetime.date.fromisoformat(start),
        datetime.date.fromisoformat(end),
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [("2026-11-30", (2026, 3)), ("2026-02-01", (2025, 4)), ("2026-04-01", (2026, 1))],
)
def test_the_bulletin_reports_on_the_last_quarter(today, expected):
    assert last_quarter(datetime.date.fromisoformat(today)) == expected


@pytest.fixture
def granted(clerk, group, program, unit, liaison):
    """One application this quarter, its referral closed as granted with 3,000 yuan."""
    application = receive(clerk, group, [program], urgent=True)
    (referral,) = refer(clerk, application, unit)
    services.referral_sign(actor=liaison, referral=referral)
    services.referral_close(
        actor=liaison,
        referral=referral,
        result=services.Outcome(outcome=Referral.Outcome.GRANTED, program=program, amount=3000),
    )
    today = timezone.localdate()
    return today.year, (today.month - 1) // 3 + 1


def test_the_bulletin_counts_the_quarter(granted, group, program):
    year, quarter = granted
    with override("en"):
        bulletin = quarter_bulletin(group, year, quarter)
    assert "received 1 applications for help (1 urgent)" in bulletin.summary
    funds = bulletin.sections[0].table
    assert funds.rows() == [[program.name, 1, 3000]]
    before = quarter_bulletin(group, year - 1, quarter)
    assert before.sections[0].table.empty


def _docx_text(content: bytes) -> tuple[str, int]:
    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells), len(document.inline_shapes)


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "季度工作通报"), ("en", "Bulletin")])
def test_the_word_file(client, director, granted, group, program, language, title):
    year, quarter = granted
    client.force_login(director)
    response = client.get(
        reverse("dashboards:bulletin_docx"),
        {"group": group.pk, "year": year, "quarter": quarter},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'{year}Q{quarter}.docx"')
    text, pictures = _docx_text(response.content)
    assert title in text and program.name in text and "3000" in text
    assert pictures >= 1  # the referrals per unit, drawn on the server


def test_the_page_shows_the_same_figures(client, director, granted, group, program):
    year, quarter = granted
    client.force_login(director)
    page = client.get(
        reverse("dashboards:bulletin"), {"group": group.pk, "year": year, "quarter": quarter}
    )
    assert page.status_code == 200
    assert page.context["bulletin"].sections[0].table.rows() == [[program.name, 1, 3000]]
    assert 'data-testid="bulletin-docx"' in page.content.decode()


@pytest.mark.parametrize("persona", ["liaison", "auditor", "outsider"])
def test_others_get_404(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("dashboards:bulletin")).status_code == 404
    assert client.get(reverse("dashboards:bulletin_docx")).status_code == 404


def test_a_bad_quarter_is_refused_with_a_message(client, director, group):
    client.force_login(director)
    response = client.get(reverse("dashboards:bulletin"), {"group": group.pk, "quarter": "5"})
    assert response.status_code == 400 and response.context["form"].errors["quarter"]


def test_an_empty_chart_draws_nothing_and_a_full_one_a_png():
    empty = Chart(key="e", title="t", kind="bar", category="c", labels=[], series=[])
    assert png(empty) == b""
    full = Chart(
        key="f",
        title="各单位",
        kind="stacked",
        category="单位",
        labels=["区民政局", "区财政局"],
        series=[Series("按期", [3, 1]), Series("逾期", [0, 2])],
    )
    assert png(full).startswith(b"\x89PNG")


def test_the_units_reports_feed_the_bulletin(clerk, group, unit, other_unit, program):
    """Funds come from what the units reported (信息报送) for the quarter; a unit that
    reported late and one that did not report once the deadline passed are named."""
    from reporting.models import FigureDefinition, FigureValue, ReportingRound, UnitReport

    figure = FigureDefinition.objects.create(
        group=group, program=program, name="救助金额", kind="yuan", decimal_places=2
    )
    round_ = ReportingRound.objects.create(
        group=group,
        title="2026年第3季度",
        period_kind="quarter",
        year=2026,
        number=3,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
        opened_at=timezone.now(),
        opened_by=clerk,
        working_days=10,
        deadline=datetime.date(2026, 10, 20),
    )
    late = UnitReport.objects.create(
        round=round_, unit=unit, status="accepted", submitted_at=timezone.now(), late=True
    )
    FigureValue.objects.create(report=late, definition=figure, value=12500)
    UnitReport.objects.create(round=round_, unit=other_unit, status="draft")
    with override("en"):
        bulletin = quarter_bulletin(group, 2026, 3)
    sections = {section.table.key: section.table for section in bulletin.sections if section.table}
    assert sections["reported-funds"].rows() == [[program.name, 12500, 1]]
    assert sections["late-reports"].rows() == [
        [f"{unit.name} (2026年第3季度)", "reported late"],
        [f"{other_unit.name} (2026年第3季度)", "not reported"],
    ]
