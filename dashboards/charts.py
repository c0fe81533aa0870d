"""A chart as the dashboards hand it to the page: a title, categories and one or more
series of numbers. The same object is drawn in the browser (Chart.js, from the JSON the
page embeds), shown as a table for those who cannot see the chart, and downloaded as CSV
or XLSX: one set of numbers, three ways to read them."""

from dataclasses import dataclass, field

from django.utils.text import slugify

from assistance.spreadsheets import csv_bytes, xlsx_bytes

KINDS = ("bar", "stacked", "line", "doughnut", "horizontal")


@dataclass
class Series:
    name: str
    values: list


@dataclass
class Chart:
    key: str
    title: str
    kind: str
    category: str  # the heading of the categories' column in the table
    labels: list = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    note: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}")

    @property
    def empty(self) -> bool:
        return not self.labels or not any(
            value for series in self.series for value in series.values if value
        )

    def header(self) -> list:
        return [str(self.category)] + [str(series.name) for series in self.series]

    def rows(self) -> list[list]:
        """One row per category: its label, then each series' value."""
        return [
            [str(label)] + [series.values[index] for series in self.series]
            for index, label in enumerate(self.labels)
        ]

    def table(self) -> list[list]:
        return [self.header(), *self.rows()]

    def spec(self) -> dict:
        """What the page's script needs to draw the chart (JSON-safe)."""
        return {
            "key": self.key,
            "kind": self.kind,
            "title": str(self.title),
            "labels": [str(label) for label in self.labels],
            "series": [
                {"name": str(series.name), "values": [_plain(v) for v in series.values]}
                for series in self.series
            ],
        }

    def csv(self) -> bytes:
        return csv_bytes(self.table())

    def xlsx(self) -> bytes:
        # A sheet's name may not hold []:*?/\ and has at most 31 characters.
        title = "".join(c for c in str(self.title) if c not in "[]:*?/\\")
        return xlsx_bytes(self.table(), title=title[:31])

    def filename(self, extension: str) -> str:
        return f"{slugify(self.key) or 'chart'}.{extension}"


def _plain(value):
    """Numbers as JSON numbers (Decimal and None included)."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return value
    return float(value)
