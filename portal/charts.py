"""Charts that read (issue 19 item 9, SPEC 18): server-rendered SVG drawn by pygal, a maintained
charting library, instead of hand-placed rectangles.

Every chart has a y axis with money ticks and a title, an x axis with its labels and title, and one
SVG <title> per bar ("Jun 2026 · Travel: DKK 1,234.00"), which a browser shows on hover and a
screen reader reads; the page puts a table with the same figures beside each chart. Amounts on the
axis and in the titles are formatted in the reader's language (amexprog.common.money).

pygal's own output is trimmed for the Content-Security-Policy (amexprog/common/csp.py): its inline
configuration <script> and any external tooltip script are removed, so the SVG carries no script at
all; its <style> element stays (style-src allows inline styles). Amounts reach pygal as floats only
to place the bars: every figure a person reads is formatted from the Decimal itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pygal
from babel.numbers import format_decimal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from pygal.style import Style

from amexprog.common.money import LANGUAGE_LOCALES, format_money

# The portal's colours (static/portal/portal.css) and a palette that tells series apart in print.
PALETTE = ("#006fcf", "#e6550d", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#31a354", "#756bb1",
           "#1f77b4")
STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1d2733", foreground_strong="#1d2733",
    foreground_subtle="#d9dee5", opacity="1", opacity_hover=".8", transition="0s", colors=PALETTE,
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    label_font_size=12, major_label_font_size=12, title_font_size=14, legend_font_size=12,
    value_font_size=12, tooltip_font_size=12, no_data_font_size=16,
)
WIDTH = 640
HEIGHT = 300
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal]  # one per x label


def _classes(node) -> list[str]:
    return (node.get("class") or "").split()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _accessible(*, chart_id: str, title: str, names: list[str]):
    """An xml filter for pygal: no script, a titled image, a hover title on every bar."""

    def keep(root):
        root.set("role", "img")
        root.set("aria-labelledby", f"{chart_id}-title")
        for parent in root.iter():
            for child in list(parent):
                if isinstance(child.tag, str) and _local(child.tag) == "script":
                    parent.remove(child)
        for child in root:
            if isinstance(child.tag, str) and _local(child.tag) == "title":
                child.text = title
                child.set("id", f"{chart_id}-title")
                break
        for series in root.iter():
            if not isinstance(series.tag, str) or "series" not in _classes(series):
                continue
            index = next((int(name[6:]) for name in _classes(series) if name.startswith("serie-")), 0)
            for bar in series.iter():
                if not isinstance(bar.tag, str) or "bar" not in _classes(bar):
                    continue
                descs = {(_classes(desc) or [""])[0]: desc.text or "" for desc in bar
                         if isinstance(desc.tag, str) and _local(desc.tag) == "desc"}
                label = descs.get("label") or descs.get("value", "")
                where = descs.get("x_label", "")
                if len(names) > 1:
                    where = f"{where} · {names[index]}" if where else names[index]
                hover = bar.makeelement(f"{SVG_NAMESPACE}title" if bar.tag.startswith("{") else "title", {})
                hover.text = f"{where}: {label}" if where else label
                bar.insert(0, hover)
        return root

    return keep


def bar_chart(*, chart_id: str, title: str, x_title: str, labels: Sequence[str], series: Sequence[Series],
              currency: str, stacked: bool = False) -> SafeString:
    """An SVG bar chart (stacked when there are several series and `stacked`), ready for a template.

    A chart without any amount is not drawn at all (an empty string): an empty frame of axes reads as a
    broken page; the table beside it says that there is no spend yet.
    """
    if not any(amount for each in series for amount in each.values):
        return mark_safe("")
    language = get_language()
    locale = LANGUAGE_LOCALES.get((language or "en").split("-")[0], "en")
    names = [each.name for each in series]
    chart_class = pygal.StackedBar if stacked else pygal.Bar
    chart = chart_class(
        style=STYLE, width=WIDTH, height=HEIGHT, explicit_size=False, js=[], disable_xml_declaration=True,
        show_legend=len(series) > 1, legend_at_bottom=True, legend_at_bottom_columns=3, truncate_legend=-1,
        x_title=x_title, y_title=currency, x_label_rotation=-30 if len(labels) > 6 else 0,
        truncate_label=-1, show_minor_x_labels=True, include_x_axis=True, min_scale=3, max_scale=6,
        # The axis ticks: grouped whole amounts in the reader's convention (1.000 in da); the currency is the
        # axis title. A bar's own figure comes from its label, formatted from the Decimal.
        value_formatter=lambda value: format_decimal(round(value), locale=locale),
        no_data_text="—", print_values=False, classes=["pygal-chart", "chart-svg"],
    )
    chart.add_xml_filter(_accessible(chart_id=chart_id, title=title, names=names))
    chart.x_labels = list(labels)
    for each in series:
        chart.add(each.name, [
            {"value": float(amount), "label": format_money(amount, currency, language)}
            for amount in each.values
        ])
    svg = chart.render(is_unicode=True)
    return mark_safe(svg)  # noqa: S308 -- pygal builds the SVG with an XML library, which escapes every text


def _month_label(month) -> str:
    from portal.templatetags.portal_format import local_date

    return local_date(month, "MMM y")


def dashboard_charts(board) -> dict[str, SafeString]:
    """The company dashboard's two charts (portal.selectors.dashboard): this period's spend by kind and
    the last 12 months' spend, each with the table the template puts beside it."""
    currency = board.company.currency
    spend = gettext("Spend")
    return {
        "period": bar_chart(
            chart_id="period-chart", title=gettext("Spend this statement period by kind"), x_title=gettext("Kind"),
            labels=[str(bar.label) for bar in board.period_by_kind],
            series=[Series(spend, [bar.value for bar in board.period_by_kind])], currency=currency),
        "months": bar_chart(
            chart_id="months-chart", title=gettext("Spend per month, last 12 months"), x_title=gettext("Month"),
            labels=[_month_label(bar.label) for bar in board.months],
            series=[Series(spend, [bar.value for bar in board.months])], currency=currency),
    }
