"""The briefing as Markdown, to paste into a cable: the same lines and citation numbers as the
HTML page, with the sources listed at the end."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from graph_api.pages.view import Line, Page


def _cites(numbers: Iterable[int]) -> str:
    found = ",".join(str(n) for n in numbers)
    return f" [{found}]" if found else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _bullets(items: Sequence[Line]) -> list[str]:
    if not items:
        return ["- None recorded."]
    return [f"- {i.text}{_cites(i.cites)}" for i in items]


def briefing(page: Page) -> str:
    out = [f"# {page.title}", "", f"ISO 3166-1 {page.code}; period: {page.period}.", ""]
    out += ["## Summary", "", *_bullets(page.summary), ""]
    out += ["## Incidents per year", "", "| Year | Incidents |", "|---|---|"]
    out += [f"| {year} | {n} |" for year, n in page.years] + [""]
    out += ["## From incidents to the texts that answer them", ""]
    for stage, items in page.chain:
        out += [f"### {stage}", "", *_bullets(items), ""]
    out += [
        "## Say and do: resolutions and the state's votes",
        "",
        "| Resolution | Adopted | Rights it protects | Vote or adoption | Tally |",
        "|---|---|---|---|---|",
    ]
    for row in page.say_do:
        x = row.extra
        rights = "; ".join(
            ("**" if r.extra["restricted"] else "")
            + r.text
            + ("**" if r.extra["restricted"] else "")
            + _cites(r.cites)
            for r in x["rights"]
        )
        out.append(
            f"| {_cell(row.text)}{_cites(row.cites)} | {x['date'] or ''} | {_cell(rights)} | "
            f"{_cell(x['outcome'])} | {_cell(x['tally'])}{_cites(x['tally_cites'])} |"
        )
    out += ["", "Rights in bold are restricted by the incidents.", ""]
    out += ["## Freedom Online Coalition", "", *_bullets(page.foc), ""]
    out += ["## Incidents", "", "| Start | Type | Incident |", "|---|---|---|"]
    out += [
        f"| {r.extra['start'] or ''} | {_cell(r.extra['threats'])} | {_cell(r.text)}"
        f"{_cites(r.cites)} |"
        for r in page.incidents
    ]
    out += ["", "## Sources", ""]
    out += [
        f"{c.number}. {c.text}" + (f" <{c.url}>" if c.url else "") for c in page.citations.items
    ]
    return "\n".join(out) + "\n"
