"""Charts drawn on the server as inline SVG (no JavaScript, no chart library): bars for a
choice question, paired bars for a baseline against the current figure (issue 13, item 3).

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says every
figure in words; the page shows the same figures in a table beside it, for screen readers,
for copying and for print. Labels sit on their own line above each bar (wrapped), so a
chart stays readable at 360 px; the two series differ in lightness as well as colour, so
they survive a black-and-white printer.

This is the one reviewed place that builds markup in Python: every text is escaped here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 320
LABEL_CHARS = 42
LINE = 16
BAR = 16
GAP = 8
BAR_X = 0
BAR_SPACE = 205  # bar length for the largest value; the rest holds the value text


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # how the value is written ("12 (60 %)", "—" when hidden)


@dataclass(frozen=True)
class Pair:
    label: str
    baseline: float | None
    current: float | None
    baseline_text: str
    current_text: str


def _lines(label: str) -> list[str]:
    return textwrap.wrap(label, LABEL_CHARS, break_long_words=True) or [""]


def _text(x: float, y: float, content: str, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}"{klass}>{escape(content)}</text>'


def _frame(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    return Markup(  # noqa: S704 - every text part is escaped above and here
        f'<svg class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def _length(value: float | None, largest: float) -> float:
    if value is None or value <= 0 or largest <= 0:
        return 0.0
    return max(1.5, BAR_SPACE * value / largest)


def bar_chart(chart_id: str, title: str, bars: Sequence[Bar]) -> Markup:
    """Horizontal bars, one per choice, each labelled above and valued at its end."""
    largest = max((b.value or 0 for b in bars), default=0)
    body, y = [], 0.0
    for bar in bars:
        for line in _lines(bar.label):
            y += LINE
            body.append(_text(0, y - 3, line, "label"))
        length = _length(bar.value, largest)
        body.append(f'<rect class="bar" x="{BAR_X}" y="{y:.1f}" width="{length:.1f}" '
                    f'height="{BAR}"/>')
        body.append(_text(BAR_X + length + 4, y + BAR - 3, bar.text, "value"))
        y += BAR + GAP
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return _frame(chart_id, title, desc, max(y, 1), body)


def paired_chart(chart_id: str, title: str, pairs: Sequence[Pair], baseline_name: str,
                 current_name: str) -> Markup:
    """Two bars per row: the baseline (light) above the current figure (dark), with a legend."""
    largest = max((max(p.baseline or 0, p.current or 0) for p in pairs), default=0)
    body = [
        '<rect class="bar base" x="0" y="2" width="12" height="10"/>',
        _text(16, 11, baseline_name, "label"),
        '<rect class="bar" x="150" y="2" width="12" height="10"/>',
        _text(166, 11, current_name, "label"),
    ]
    y = 20.0
    for pair in pairs:
        for line in _lines(pair.label):
            y += LINE
            body.append(_text(0, y - 3, line, "label"))
        for css, value, text in (("bar base", pair.baseline, pair.baseline_text),
                                 ("bar", pair.current, pair.current_text)):
            length = _length(value, largest)
            body.append(f'<rect class="{css}" x="{BAR_X}" y="{y:.1f}" width="{length:.1f}" '
                        f'height="{BAR - 2}"/>')
            body.append(_text(BAR_X + length + 4, y + BAR - 5, text, "value"))
            y += BAR
        y += GAP
    desc = "; ".join(f"{p.label}: {baseline_name} {p.baseline_text}, {current_name} "
                     f"{p.current_text}" for p in pairs)
    return _frame(chart_id, title, desc, y, body)
