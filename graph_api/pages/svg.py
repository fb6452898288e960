"""Charts drawn by the server as inline SVG: no script, no font or file to fetch, prints as is.

``bar_chart`` shows incidents per year; ``chain_diagram`` the briefing's chain, one column per
stage with its first items. Text is escaped; sizes are computed here, not by a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR_W, GAP, CHART_H, AXIS = 34, 8, 160, 28
COL_W, COL_GAP, ROW_H, MAX_ROWS, HEAD = 215, 26, 18, 6, 34


def bar_chart(years: Sequence[tuple[int, int]], title: str) -> str:
    if not years:
        return '<p class="empty">No incidents to chart.</p>'
    top = max(n for _, n in years) or 1
    width = len(years) * (BAR_W + GAP) + GAP
    height = CHART_H + AXIS + 18
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (year, n) in enumerate(years):
        x = GAP + i * (BAR_W + GAP)
        h = round(CHART_H * n / top)
        y = 18 + CHART_H - h
        parts.append(
            f'<rect class="bar" x="{x}" y="{y}" width="{BAR_W}" height="{h}">'
            f"<title>{year}: {n}</title></rect>"
        )
        parts.append(f'<text x="{x + BAR_W / 2}" y="{y - 4}" class="count">{n}</text>')
        parts.append(
            f'<text x="{x + BAR_W / 2}" y="{18 + CHART_H + 16}" class="year">{year}</text>'
        )
    parts.append(
        f'<line x1="0" x2="{width}" y1="{18 + CHART_H}" y2="{18 + CHART_H}" class="axis"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _clip(text: str, size: int = 30) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def chain_diagram(columns: Sequence[tuple[str, Sequence[str]]], title: str) -> str:
    rows = min(MAX_ROWS, max((len(items) for _, items in columns), default=1)) + 1
    width = len(columns) * (COL_W + COL_GAP)
    height = HEAD + rows * ROW_H + 16
    parts = [
        f'<svg class="chain" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
    ]
    for i, (stage, items) in enumerate(columns):
        x = i * (COL_W + COL_GAP)
        parts.append(
            f'<rect class="stage" x="{x}" y="0" width="{COL_W}" height="{height - 2}" rx="6"/>'
        )
        parts.append(f'<text class="stage-name" x="{x + 8}" y="20">{escape(stage)}</text>')
        shown = list(items)[:MAX_ROWS]
        for j, item in enumerate(shown):
            y = HEAD + 8 + j * ROW_H
            parts.append(
                f'<text class="item" x="{x + 8}" y="{y}"><title>{escape(item)}</title>'
                f"{escape(_clip(item))}</text>"
            )
        if len(items) > MAX_ROWS:
            y = HEAD + 8 + MAX_ROWS * ROW_H
            parts.append(
                f'<text class="more" x="{x + 8}" y="{y}">+ {len(items) - MAX_ROWS} more</text>'
            )
        if not items:
            parts.append(f'<text class="more" x="{x + 8}" y="{HEAD + 8}">none recorded</text>')
        if i:
            parts.append(
                f'<line class="link" x1="{x - COL_GAP + 2}" x2="{x - 2}" y1="{HEAD - 14}" '
                f'y2="{HEAD - 14}" marker-end="url(#arrow)"/>'
            )
    parts.append("</svg>")
    return "".join(parts)
