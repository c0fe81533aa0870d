"""The ledger's dashboard (救助台账): funds used per programme per quarter of the period,
the households each programme assisted, and how the entries came into the ledger. Read
live from the ledger, two queries whatever its size; the quarterly bulletin takes its
funds from here too."""

from django.utils.translation import gettext as _

from ledger.models import LedgerEntry
from ledger.selectors import entries_by_source, funds_by_quarter, quarters_between

from ..charts import Chart, Series
from ..filters import Scope


def _quarter_label(year: int, quarter: int) -> str:
    return _("%(year)d Q%(quarter)d") % {"year": year, "quarter": quarter}


def funds_chart(scope: Scope, *, key: str = "ledger-funds") -> Chart:
    """Funds used per programme (yuan), one series per quarter of the scope, and the
    households each programme assisted: from the ledger, not retyped."""
    funds = funds_by_quarter(scope.group, quarters_between(scope.start, scope.end))
    series = [
        Series(_quarter_label(year, quarter), [row[index] for row in funds.amounts])
        for index, (year, quarter) in enumerate(funds.quarters)
    ]
    return Chart(
        key=key,
        title=_("Funds used per programme (yuan), from the ledger"),
        kind="stacked" if len(series) > 1 else "bar",
        category=_("Programme"),
        labels=funds.programs,
        series=[*series, Series(_("Households assisted"), funds.households)],
    )


def _by_source(scope: Scope) -> Chart:
    counts = entries_by_source(scope.group, scope.start, scope.end)
    sources = [source for source in LedgerEntry.Source if counts.get(source.value)]
    return Chart(
        key="ledger-sources",
        title=_("Ledger entries by how they were recorded"),
        kind="doughnut",
        category=_("Source"),
        labels=[source.label for source in sources],
        series=[Series(_("Entries"), [counts[source.value] for source in sources])],
    )


def ledger_charts(scope: Scope) -> list[Chart]:
    return [funds_chart(scope), _by_source(scope)]
