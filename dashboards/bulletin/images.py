"""A ``Chart`` drawn on the server as a PNG, for the quarterly bulletin's Word file and its
printable page (a Word file cannot run the browser's Chart.js). matplotlib, with a CJK
face when the machine has one (Noto Sans/Serif CJK, WenQuanYi, SimHei…): without one,
Chinese labels would print as empty boxes, so the labels then fall back to the chart's
table, which the bulletin prints beside every image anyway."""

import functools
import io

from ..charts import Chart

CJK_FACES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Noto Sans CJK JP",
    "Noto Serif CJK JP",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
# The same colour-blind-safe palette as the pages (Okabe–Ito).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442"]


# matplotlib (43 MB with numpy) loads only when a chart is drawn: workers import this module
# (through the URLconf, which Celery's Django fixup checks) and never draw one.
@functools.cache
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    from matplotlib import pyplot

    return pyplot


@functools.cache
def cjk_face() -> str | None:
    """The first CJK face the machine has, or None."""
    from matplotlib import font_manager

    names = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((face for face in CJK_FACES if face in names), None)


def _has_cjk(texts) -> bool:
    return any(
        any("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in t) for t in texts
    )


def png(chart: Chart, *, width: float = 6.2, height: float = 3.0) -> bytes:
    """The chart as a PNG (150 dpi), or b"" when it has nothing to show."""
    if chart.empty:
        return b""
    labels = [str(label) for label in chart.labels]
    names = [str(series.name) for series in chart.series]
    plt = _pyplot()
    face = cjk_face()
    if face is None and _has_cjk(labels + names + [str(chart.title)]):
        labels = [str(i + 1) for i in range(len(labels))]  # the table beside names them
        names = [f"{i + 1}" for i in range(len(names))]
    style = {"font.family": [face, "DejaVu Sans"] if face else ["DejaVu Sans"], "font.size": 8}
    with plt.rc_context(style):
        figure, axes = plt.subplots(figsize=(width, height), dpi=150)
        try:
            _draw(axes, chart, labels, names)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png")
        finally:
            plt.close(figure)
    return buffer.getvalue()


def _values(series):
    return [0 if value is None else float(value) for value in series.values]


def _draw(axes, chart: Chart, labels, names) -> None:
    positions = range(len(labels))
    if chart.kind == "doughnut":
        axes.pie(_values(chart.series[0]), labels=labels, colors=PALETTE, wedgeprops={"width": 0.4})
        axes.axis("equal")
        return
    if chart.kind == "line":
        for index, series in enumerate(chart.series):
            axes.plot(labels, _values(series), label=names[index], color=PALETTE[index % 7])
        axes.tick_params(axis="x", labelrotation=60)
    elif chart.kind == "horizontal":
        axes.barh(list(positions), _values(chart.series[0]), color=PALETTE[0])
        axes.set_yticks(list(positions), labels)
        axes.invert_yaxis()
    else:
        _bars(axes, chart, labels, names, positions)
    if len(chart.series) > 1:
        axes.legend(fontsize=7)


def _bars(axes, chart: Chart, labels, names, positions) -> None:
    count = len(chart.series)
    bottom = [0.0] * len(labels)
    width = 0.8 if chart.kind == "stacked" else 0.8 / count
    for index, series in enumerate(chart.series):
        values = _values(series)
        colour = PALETTE[index % len(PALETTE)]
        if chart.kind == "stacked":
            axes.bar(
                list(positions), values, width, bottom=bottom, label=names[index], color=colour
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        else:
            shifted = [p - 0.4 + width * (index + 0.5) for p in positions]
            axes.bar(shifted, values, width, label=names[index], color=colour)
    axes.set_xticks(list(positions), labels, rotation=60, ha="right")
