"""HTML of the briefing pages: server-rendered, one file, styles inline, no script.

Every dynamic value goes through :func:`html.escape`; links and forms stay on this server, so
the page works offline and prints cleanly (``style.css`` has a print stylesheet).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from graph_api.pages import svg
from graph_api.pages.view import Line, Page

STYLE = Path(__file__).with_name("style.css")


@cache
def _style() -> str:
    return STYLE.read_text(encoding="utf-8")


def document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{_style()}</style></head>"
        f"<body>{body}</body></html>"
    )


def cites(numbers: Iterable[int]) -> str:
    links = ",".join(f'<a href="#cite-{n}">{n}</a>' for n in numbers)
    return f'<sup class="cite">[{links}]</sup>' if links else ""


def line(item: Line) -> str:
    return f"{escape(item.text)}{cites(item.cites)}"


def _list(items: Sequence[Line], css: str = "") -> str:
    if not items:
        return '<p class="empty">None recorded.</p>'
    rows = "".join(f"<li>{line(i)}</li>" for i in items)
    return f'<ul class="{css}">{rows}</ul>'


def period_form(code: str, start: str, end: str) -> str:
    return (
        f'<form class="period" method="get" action="/briefing/{quote(code)}">'
        f'<label>From <input type="date" name="from" value="{escape(start)}"></label>'
        f'<label>To <input type="date" name="to" value="{escape(end)}"></label>'
        "<button>Show</button></form>"
    )


def briefing(page: Page, start: str, end: str) -> str:
    md = f"/briefing/{quote(page.code)}?format=md"
    if start:
        md += f"&from={quote(start)}"
    if end:
        md += f"&to={quote(end)}"
    chart_title = f"Incidents per year in {page.country} ({page.period})"
    columns = [(stage, [i.text for i in items]) for stage, items in page.chain]
    body = [
        f'<nav><a href="/briefing/">All countries</a><a href="{escape(md)}">Markdown</a></nav>',
        f"<h1>{escape(page.title)}</h1>",
        f'<p class="meta">ISO 3166-1 {escape(page.code)} · period: {escape(page.period)}</p>',
        period_form(page.code, start, end),
        '<section id="summary"><h2>Summary</h2>',
        _list(page.summary),
        "</section>",
        '<section id="chart"><h2>Incidents per year</h2><div class="figure">',
        svg.bar_chart(page.years, chart_title),
        '</div><p class="note">By year of start; an incident still going on counts once, in '
        "the year it began.</p></section>",
        '<section id="chain"><h2>From incidents to the texts that answer them</h2>'
        '<div class="figure">',
        svg.chain_diagram(columns, f"Chain for {page.country}"),
        "</div>",
        "<h3>Each step, with its sources</h3>",
        "".join(
            f"<h4>{escape(stage)}</h4>{_list(items, 'chain-list')}" for stage, items in page.chain
        ),
        "</section>",
        '<section id="say-do"><h2>Say and do: resolutions and the state\'s votes</h2>',
        _say_do(page.say_do),
        "</section>",
        '<section id="foc"><h2>Freedom Online Coalition</h2>',
        _list(page.foc),
        "</section>",
        '<section id="incidents"><h2>Incidents</h2>',
        _incidents(page.incidents),
        "</section>",
        '<section id="sources"><h2>Sources</h2>',
        citations(page),
        "</section>",
    ]
    return document(page.title, "".join(body))


def _say_do(rows: Sequence[Line]) -> str:
    if not rows:
        return '<p class="empty">No resolution is linked to a right.</p>'
    head = (
        "<tr><th>Resolution</th><th>Adopted</th><th>Rights it protects</th>"
        "<th>The state's vote or how it was adopted</th><th>Tally</th></tr>"
    )
    body = []
    for row in rows:
        x: dict[str, Any] = row.extra
        rights = "<br>".join(
            f'<span class="{"restricted" if r.extra["restricted"] else ""}">{line(r)}</span>'
            for r in x["rights"]
        )
        css = f"vote-{x['choice']}" if x["choice"] else ""
        tally = f"{escape(x['tally'])}{cites(x['tally_cites'])}" if x["tally"] else ""
        body.append(
            f"<tr><td>{line(row)}</td>"
            f"<td data-label='Adopted'>{escape(str(x['date'] or ''))}</td>"
            f"<td data-label='Protects'>{rights}</td>"
            f"<td data-label='Vote' class='{css}'>{escape(x['outcome'])}</td>"
            f"<td data-label='Tally'>{tally}</td></tr>"
        )
    note = (
        '<p class="note">Rights in bold are restricted by the incidents above. A right marked '
        '"derived by rule" is linked by the project\'s declared rule (see its citation), not '
        "by a source. Absences are not recorded in the UN vote data; the count shown is a lower "
        "bound derived from the states voting elsewhere in the same session.</p>"
    )
    return f'<div class="scroll"><table class="stack">{head}{"".join(body)}</table></div>{note}'


def _incidents(rows: Sequence[Line]) -> str:
    if not rows:
        return '<p class="empty">No incidents recorded in the period.</p>'
    body = "".join(
        f"<tr><td>{escape(str(r.extra['start'] or ''))}</td>"
        f"<td class='hide-narrow'>{escape(str(r.extra['end'] or ''))}</td>"
        f"<td>{escape(r.extra['threats'])}</td><td>{line(r)}</td></tr>"
        for r in rows
    )
    head = "<tr><th>Start</th><th class='hide-narrow'>End</th><th>Type</th><th>Incident</th></tr>"
    return f'<div class="scroll"><table>{head}{body}</table></div>'


def citations(page: Page) -> str:
    items = []
    for c in page.citations.items:
        if c.url and c.url == c.text:
            shown = f'<a href="{escape(c.url)}">{escape(c.url)}</a>'
        elif c.url:
            shown = f'{escape(c.text)} <a href="{escape(c.url)}">{escape(c.url)}</a>'
        else:
            shown = escape(c.text)
        items.append(f'<li id="cite-{c.number}">{shown}</li>')
    return f'<ol class="citations">{"".join(items)}</ol>'


def error(status: int, message: str) -> str:
    body = (
        '<nav><a href="/briefing/">All countries</a></nav>'
        f"<h1>Cannot show this briefing</h1><p>{escape(message)}</p>"
        f'<p class="meta">HTTP {status}</p>'
    )
    return document("Briefing: error", body)


def index(
    rows: Sequence[tuple[str, str, int]], text: str, matches: Sequence[tuple[str, str]]
) -> str:
    form = (
        '<form class="period" method="get" action="/briefing/">'
        f'<label>Country or code <input type="search" name="q" value="{escape(text)}"></label>'
        "<button>Search</button></form>"
    )
    found = ""
    if text:
        found = "<h2>Countries matching</h2>" + (
            "<ul>"
            + "".join(
                f'<li><a href="/briefing/{quote(code)}">{escape(label)}</a> ({escape(code)})</li>'
                for label, code in matches
            )
            + "</ul>"
            if matches
            else '<p class="empty">No country matches.</p>'
        )
    table = "".join(
        f'<tr><td><a href="/briefing/{quote(code)}">{escape(label)}</a></td>'
        f"<td>{escape(code)}</td><td>{count}</td></tr>"
        for label, code, count in rows
    )
    body = (
        "<h1>Country briefings</h1>"
        '<p class="meta">Recorded incidents per country, with votes and commitments on each '
        "country's page.</p>"
        f"{form}{found}<h2>Countries with recorded incidents</h2>"
        f'<div class="scroll"><table><tr><th>Country</th><th>Code</th><th>Incidents</th></tr>'
        f"{table}</table></div>"
    )
    return document("Country briefings", body)
