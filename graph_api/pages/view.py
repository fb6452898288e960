"""The briefing page as data: what the HTML and Markdown renderers show, each line with the
numbers of its citations. Built only from the ``BriefingPage`` query's answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from graph_api.pages.citations import Citations

CHOICE_WORDS = {"YES": "yes", "NO": "no", "ABSTAIN": "abstain"}
ADOPTION_WORDS = {
    "ADOPTED_WITHOUT_VOTE": "adopted without a vote",
    "NOT_RECORDED": "no recorded vote in the data; voting mode not recorded",
    "RECORDED_VOTE": "recorded vote",
}
CHAIN_STAGES = (
    "Incidents",
    "Laws or orders invoked",
    "Threat types",
    "Rights restricted",
    "Resolutions and instruments",
    "Statement and calls to action",
)


@dataclass
class Line:
    """One statement on the page and the citations backing it."""

    text: str
    cites: list[int] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    title: str
    country: str
    code: str
    period: str
    summary: list[Line]
    years: list[tuple[int, int]]
    chain: list[tuple[str, list[Line]]]
    say_do: list[Line]
    foc: list[Line]
    incidents: list[Line]
    citations: Citations


def period_words(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"{start.isoformat()} to {end.isoformat()}"
    if start:
        return f"from {start.isoformat()}"
    if end:
        return f"until {end.isoformat()}"
    return "all dates"


def build(data: dict[str, Any], start: dt.date | None, end: dt.date | None) -> Page:
    brief = data["briefing"]
    say = brief["sayDo"]
    cites = Citations()
    country = brief["country"]
    state = say.get("state") or {}
    title = f"Briefing: {country['label']}"
    summary = _summary(brief, say, period_words(start, end), cites)
    page = Page(
        title=title,
        country=str(country["label"]),
        code=str(country.get("isoAlpha2") or ""),
        period=period_words(start, end),
        summary=summary,
        years=_years(say, start, end),
        chain=_chain(brief, say, cites),
        say_do=[_resolution(r, state, cites) for r in say["resolutions"]],
        foc=_foc(say, state, cites),
        incidents=[_incident(i, cites) for i in say["incidents"]],
        citations=cites,
    )
    before = sum(n for year, n in _per_year(say).items() if start and year < start.year)
    if before:
        page.summary.insert(
            1,
            Line(
                f"{before} of them began before {start.year if start else ''} and went on into "
                "the period (not in the chart, which counts incidents by year of start)."
            ),
        )
    return page


def _per_year(say: dict[str, Any]) -> dict[int, int]:
    return {b["year"]: b["count"] for b in say["incidentsByYear"] if b["year"] is not None}


def _years(
    say: dict[str, Any], start: dt.date | None, end: dt.date | None
) -> list[tuple[int, int]]:
    """Incidents by year of start, over the period's years (or the years that have some)."""
    per_year = _per_year(say)
    if not per_year:
        return []
    low = start.year if start else min(per_year)
    high = max(per_year) if end is None else min(end.year, max(max(per_year), low))
    return [(y, per_year.get(y, 0)) for y in range(low, high + 1)]


def _summary(
    brief: dict[str, Any], say: dict[str, Any], period: str, cites: Citations
) -> list[Line]:
    datasets = {s["iri"]: s for b in say["incidentsByThreatAndYear"] for s in b["sources"]}
    voted = [r for r in say["resolutions"] if r["vote"]]
    lines = [
        Line(
            f"{say['incidentCount']} recorded incidents ({period}).",
            cites.cite_all(list(datasets.values())),
        ),
        Line(
            f"{len(say['rightsRestricted'])} rights restricted by them; "
            f"{len(say['resolutions'])} resolutions protecting rights, of which "
            f"{len(voted)} with a recorded vote of the state."
        ),
    ]
    member = [m for m in say["focMembership"]]
    if member:
        years = ", ".join(str(m["year"] or m["startDate"]) for m in member)
        lines.append(
            Line(
                f"Member of the Freedom Online Coalition since {years}.", _cite_many(member, cites)
            )
        )
    else:
        lines.append(Line("No membership of the Freedom Online Coalition is recorded."))
    loads = _loads(say.get("recentLoads") or [])
    if loads:
        lines.append(Line("Data as loaded: " + "; ".join(loads) + "."))
    return lines


def _loads(loads: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, str] = {}
    for load in loads:
        label = str(load.get("label") or "").removeprefix("Load of ")
        files = label.split(", ")
        if len(files) > 1:
            label = f"{files[0]} and {len(files) - 1} more files"
        kind = label.split(":")[0].split(",")[0]
        when = str(load.get("loadedAt") or "")[:10]
        seen.setdefault(kind, f"{label} on {when}")
    return list(seen.values())[:5]


def _cite_many(items: list[dict[str, Any]], cites: Citations) -> list[int]:
    return sorted({n for item in items for n in cites.cite_all(item.get("sources"))})


def _chain(
    brief: dict[str, Any], say: dict[str, Any], cites: Citations
) -> list[tuple[str, list[Line]]]:
    laws: dict[str, Line] = {}
    for inc in brief["incidents"]:
        for link in inc["laws"]:
            line = laws.setdefault(link["to"]["iri"], Line(link["to"]["label"], [], {"n": 0}))
            line.extra["n"] += 1
            line.cites = sorted(set(line.cites) | set(cites.cite_all(link["sources"])))
    threats = [
        Line(
            f"{t['threatType']['label']} ({t['incidentCount']})",
            sorted({n for link in t["threatens"] for n in cites.cite_all(link["sources"])}),
        )
        for t in brief["threats"]
    ]
    rights = [
        Line(f"{r['right']['label']} ({r['incidentCount']})", cites.cite_all(r["sources"]))
        for r in say["rightsRestricted"]
    ]
    texts: dict[str, Line] = {}
    for right in brief["rights"]:
        for link in right["protectedBy"] + [
            {"from": x["to"], "sources": x["sources"]} for x in right["restsOn"]
        ]:
            node = link["from"]
            name = node.get("symbol") or node["label"]
            line = texts.setdefault(node["iri"], Line(str(name)))
            line.cites = sorted(set(line.cites) | set(cites.cite_all(link["sources"])))
    calls: dict[str, Line] = {}
    for threat in brief["threats"]:
        for link in threat["addressedBy"]:
            node = link["from"]
            line = calls.setdefault(node["iri"], Line(str(node["label"])))
            line.cites = sorted(set(line.cites) | set(cites.cite_all(link["sources"])))
    law_lines = sorted(laws.values(), key=lambda x: -int(x.extra["n"]))
    for line in law_lines:
        line.text = f"{line.text} ({line.extra['n']})"
    incidents = [Line(f"{say['incidentCount']} incidents")]
    columns = (incidents, law_lines, threats, rights, list(texts.values()), list(calls.values()))
    return list(zip(CHAIN_STAGES, columns, strict=True))


def _resolution(row: dict[str, Any], state: dict[str, Any], cites: Citations) -> Line:
    res = row["resolution"]
    symbol = res.get("symbol") or res["label"]
    rights = [
        Line(
            p["right"]["label"] + (" (derived by rule)" if p["derived"] else ""),
            cites.cite_all(p["sources"]),
            {"restricted": p["restricted"]},
        )
        for p in row["protects"]
    ]
    tally = row.get("tally")
    vote = row.get("vote")
    if vote:
        rc = vote["rollCall"]
        outcome = (
            f"{state.get('label', 'The state')} voted {CHOICE_WORDS[vote['choice']]} "
            f"(roll call {rc.get('rollCallId') or rc['label']}, {vote['date']})"
        )
    elif row["adoption"] == "RECORDED_VOTE":
        outcome = f"{state.get('label', 'The state')} cast no recorded vote in the roll call"
    else:
        outcome = ADOPTION_WORDS[row["adoption"]]
    tally_text = ""
    tally_cites: list[int] = []
    if tally:
        tally_text = (
            f"{tally['yes']} yes, {tally['no']} no, {tally['abstain']} abstain "
            f"(recorded {tally['recorded']}; at least {tally['absent']} absent)"
        )
        tally_cites = cites.cite_all(tally["sources"])
    return Line(
        f"{symbol}: {res.get('title') or res['label']}",
        cites.cite_all(row["sources"]),
        {
            "symbol": symbol,
            "date": res.get("adoptionDate"),
            "rights": rights,
            "outcome": outcome,
            "choice": CHOICE_WORDS.get(vote["choice"]) if vote else None,
            "tally": tally_text,
            "tally_cites": tally_cites,
            "restricted": row["protectsRestrictedRight"],
        },
    )


def _foc(say: dict[str, Any], state: dict[str, Any], cites: Citations) -> list[Line]:
    lines = [
        Line(
            f"{m['membership']['label']}"
            + (f"; began {m['startDate']}" if m["startDate"] else "")
            + (f"; ended {m['endDate']}" if m["endDate"] else ""),
            cites.cite_all(m["sources"]),
        )
        for m in say["focMembership"]
    ]
    record = say.get("humanRightsVotes")
    if record and record["rollCalls"]:
        agree = record["focAgreement"]
        rate = f"{agree['rate'] * 100:.0f}%" if agree["rate"] is not None else "n/a"
        lines.append(
            Line(
                f"On {record['rollCalls']} human-rights roll calls ({record['firstVote']} to "
                f"{record['lastVote']}), {state.get('label')} voted yes {record['yes']}, "
                f"no {record['no']}, abstain {record['abstain']}; it voted as the majority of "
                f"the FOC members present in {agree['agreed']} of {agree['compared']} roll "
                f"calls that had one ({rate}).",
                cites.cite_all(_vote_sources(say)),
            )
        )
    else:
        lines.append(Line("No recorded vote on a human-rights roll call in the period."))
    return lines


def _vote_sources(say: dict[str, Any]) -> list[dict[str, Any]]:
    """The vote data's own sources, as cited by the tallies on the page."""
    return [s for r in say["resolutions"] if r["tally"] for s in r["tally"]["sources"]][:1]


def _incident(row: dict[str, Any], cites: Citations) -> Line:
    inc = row["incident"]
    threats = ", ".join(t["label"] for t in row["threatTypes"])
    web = [s for s in row["sources"] if s.get("__typename") != "Dataset"]
    return Line(
        str(inc["label"]),
        cites.cite_all(row["rows"] + web),
        {"start": inc.get("startDate"), "end": inc.get("endDate"), "threats": threats},
    )
