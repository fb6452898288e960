"""The diplomats' briefing on the real data (issue 10): votes, the say-do record and the page.

Reads ../shared/data (skipped with the reason when it is absent): the whole #KeepItOn file and
the UN votes of the human-rights roll calls since 2012 plus roll call 5455 (A/RES/70/161), loaded
through the shipped mappings (``fixtures.briefing.subset``), then the declared rule's links.
Every figure asserted here is also counted straight from the CSV files or the store.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fixtures.briefing.subset import SHARED, available, load_subset, wipe

from civicgraph.settings import Settings
from civicgraph.store import database
from graph_api.testing import api_settings, running_api

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.shared_data,
    pytest.mark.skipif(
        not available(),
        reason=f"the real datasets are not at {SHARED} (they are never copied into the repo)",
    ),
]

PERIOD = {"from": "2016-01-01", "to": "2025-12-31"}
ID = "https://w3id.org/civic-space-graph/id/"
SAY_DO = """query($country: String!, $from: Date, $to: Date, $sourcedOnly: Boolean!) {
  sayDo(country: $country, from: $from, to: $to, sourcedOnly: $sourcedOnly) {
    state { iri } incidentCount
    incidentsByYear { year count }
    rightsRestricted { right { iri } incidentCount sources { iri } }
    resolutions {
      resolution { iri ... on Resolution { symbol } }
      adoption protectsRestrictedRight
      protects { right { iri } derived sources { iri __typename } }
      vote { choice date rollCall { ... on RollCall { rollCallId } } }
      tally { yes no abstain recorded sources { iri } }
      sources { iri }
    }
    humanRightsVotes { rollCalls yes no abstain focAgreement { compared agreed } }
    focMembership { year sources { iri } }
  }
}"""


def csv_tally(rcid: str) -> Counter[str]:
    with (SHARED / "unvotes" / "un_votes.csv").open(encoding="utf-8") as fh:
        return Counter(r["vote"] for r in csv.DictReader(fh) if r["rcid"] in (rcid, rcid + ".0"))


def csv_vote(rcid: str, code: str) -> str:
    with (SHARED / "unvotes" / "un_votes.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        return next(
            r["vote"]
            for r in rows
            if r["rcid"] in (rcid, rcid + ".0") and r["country_code"] == code
        )


@pytest.fixture(scope="module")
def store(
    neo4j_driver: neo4j.Driver, neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[neo4j.Driver]:
    db = database(neo4j_settings)
    load_subset(neo4j_driver, db, tmp_path_factory.mktemp("briefing-data"))
    yield neo4j_driver
    wipe(neo4j_driver, db)


@pytest.fixture(scope="module")
async def api(store: neo4j.Driver, neo4j_uri: str) -> AsyncIterator[Any]:
    async with running_api(api_settings(neo4j_uri)) as client:
        yield client


def incidents_in_store(driver: neo4j.Driver, code: str) -> dict[int, int]:
    records, _, _ = driver.execute_query(
        "MATCH (i:Incident)-[:COUNTRY]->(:Country {isoAlpha2: $code}) "
        "WHERE coalesce(i.endDate, i.startDate) >= date($from) AND i.startDate <= date($to) "
        "RETURN i.startDate.year AS year, count(i) AS n",
        {"code": code, **PERIOD},
    )
    return {r["year"]: r["n"] for r in records}


async def say_do(api: Any, country: str, sourced_only: bool = False) -> dict[str, Any]:
    variables = {"country": country, **PERIOD, "sourcedOnly": sourced_only}
    return dict((await api.gql(SAY_DO, variables))["data"]["sayDo"])


async def test_pakistan_tally_of_a_res_70_161_matches_the_csv(api):
    expected = csv_tally("5455")
    assert (expected["yes"], expected["no"], expected["abstain"]) == (127, 14, 41)
    data = (
        await api.gql(
            """{ resolutionVotes(resolution: "A/RES/70/161") {
                 tally { date yes no abstain recorded } }
               stateVotes(state: "PK", resolution: "A/RES/70/161") {
                 totalCount votes { choice date } } }"""
        )
    )["data"]
    tally = data["resolutionVotes"]["tally"]
    assert (tally["yes"], tally["no"], tally["abstain"]) == (127, 14, 41)
    assert tally["recorded"] == sum(expected.values()) and tally["date"] == "2015-12-17"
    assert csv_vote("5455", "PK") == "no"
    assert data["stateVotes"] == {
        "totalCount": 1,
        "votes": [{"choice": "NO", "date": "2015-12-17"}],
    }


async def test_pakistan_say_do_record(api, store):
    record = await say_do(api, "PK")
    per_year = incidents_in_store(store, "PK")
    assert record["incidentCount"] == sum(per_year.values()) > 0
    assert {b["year"]: b["count"] for b in record["incidentsByYear"]} == per_year
    rights = {r["right"]["iri"] for r in record["rightsRestricted"]}
    assert ID + "right/freedom-of-opinion-and-expression" in rights
    by_symbol = {r["resolution"]["symbol"]: r for r in record["resolutions"]}
    defenders = by_symbol["A/RES/70/161"]
    assert defenders["adoption"] == "RECORDED_VOTE"
    assert defenders["vote"] == {
        "choice": "NO",
        "date": "2015-12-17",
        "rollCall": {"rollCallId": "5455"},
    }
    assert (defenders["tally"]["yes"], defenders["tally"]["no"]) == (127, 14)
    assert defenders["tally"]["abstain"] == 41
    # Linked to a right only by the declared rule, which is its source.
    assert [p["derived"] for p in defenders["protects"]] == [True]
    assert defenders["protects"][0]["sources"] == [
        {"iri": ID + "rule/un-ga-civic-space-resolutions/v1", "__typename": "DerivationRule"}
    ]
    internet = by_symbol["A/HRC/RES/20/8"]
    assert internet["adoption"] == "ADOPTED_WITHOUT_VOTE" and internet["vote"] is None
    assert internet["protectsRestrictedRight"] and internet["sources"]
    votes = record["humanRightsVotes"]
    assert votes["rollCalls"] == votes["yes"] + votes["no"] + votes["abstain"] > 0
    assert 0 <= votes["focAgreement"]["agreed"] <= votes["focAgreement"]["compared"]
    assert record["focMembership"] == []
    sourced = await say_do(api, "PK", sourced_only=True)
    assert "A/RES/70/161" not in {r["resolution"]["symbol"] for r in sourced["resolutions"]}
    assert "A/HRC/RES/20/8" in {r["resolution"]["symbol"] for r in sourced["resolutions"]}


async def test_netherlands_is_an_foc_member_since_its_sourced_year(api):
    record = await say_do(api, "NL")
    assert record["focMembership"] == [
        {"year": 2011, "sources": [{"iri": ID + "source/latvia-mfa-foc"}]}
    ]
    page = await api.client.get("/briefing/NL")
    assert page.status_code == 200
    assert "Member of the Freedom Online Coalition since 2011." in page.text


def cited_numbers(html: str) -> tuple[set[str], set[str]]:
    used = set(re.findall(r'href="#cite-(\d+)"', html))
    defined = set(re.findall(r'<li id="cite-(\d+)">', html))
    return used, defined


async def test_pakistan_page_html_and_markdown(api):
    page = await api.client.get("/briefing/PK", params=PERIOD)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "<title>Briefing: Pakistan</title>" in text
    assert '<svg class="chart"' in text and '<svg class="chain"' in text
    assert "Pakistan voted no (roll call 5455, 2015-12-17)" in text
    assert "127 yes, 14 no, 41 abstain" in text
    assert "adopted without a vote" in text
    assert "<script" not in text and "https://" not in text.split('<section id="sources">')[0]
    used, defined = cited_numbers(text)
    assert used and used == defined
    markdown = await api.client.get("/briefing/PK", params={**PERIOD, "format": "md"})
    assert markdown.status_code == 200 and markdown.text.startswith("# Briefing: Pakistan")
    assert "127 yes, 14 no, 41 abstain" in markdown.text
    assert "| A/HRC/RES/20/8" in markdown.text and "adopted without a vote" in markdown.text


async def test_index_lists_countries_and_searches(api, store):
    page = await api.client.get("/briefing/")
    assert page.status_code == 200
    records, _, _ = store.execute_query(
        "MATCH (i:Incident)-[:COUNTRY]->(:Country {isoAlpha2: 'PK'}) RETURN count(i) AS n"
    )
    assert f'<a href="/briefing/PK">Pakistan</a></td><td>PK</td><td>{records[0]["n"]}</td>' in (
        page.text
    )
    found = await api.client.get("/briefing/", params={"q": "netherl"})
    assert '<a href="/briefing/NL">Netherlands</a>' in found.text


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/briefing/XX", {}, 404, "no country has the code"),
        ("/briefing/P1", {}, 404, "not an ISO 3166-1 alpha-2 code"),
        ("/briefing/PK", {"from": "2020-01-01", "to": "2019-01-01"}, 400, "is after"),
        ("/briefing/PK", {"from": "2020-13-01"}, 400, "YYYY-MM-DD"),
        ("/briefing/PK", {"to": "yesterday"}, 400, "YYYY-MM-DD"),
        ("/briefing/PK", {"format": "pdf"}, 400, "`format`"),
    ],
)
async def test_bad_input_is_a_clear_4xx_page(api, path, params, status, words):
    page = await api.client.get(path, params=params)
    assert page.status_code == status, page.text
    assert words in page.text and "Cannot show this briefing" in page.text


def pdf_text(path: Path) -> str:
    import shutil
    import subprocess

    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext is not installed (.ci/run installs Debian's poppler-utils)")
    return subprocess.run([tool, str(path), "-"], check=True, capture_output=True, text=True).stdout


WIDTHS = {"desktop": (1280, 900, False), "phone": (390, 844, True)}
PAGE_CHECKS = """(() => {
  const used = [...document.querySelectorAll('a[href^="#cite-"]')].map(a => a.hash.slice(1));
  const missing = used.filter(id => {
    const li = document.getElementById(id);
    return !li || !li.closest('ol.citations') || !li.textContent.trim();
  });
  return {
    title: document.title,
    bars: document.querySelectorAll('svg.chart rect.bar').length,
    stages: document.querySelectorAll('svg.chain rect.stage').length,
    citations: document.querySelectorAll('ol.citations li').length,
    cited: used.length,
    missing: missing,
    width: document.documentElement.scrollWidth,
  };
})()"""


def test_page_in_a_real_browser_offline(store, neo4j_uri: str, tmp_path: Path):
    from base64 import b64decode
    from urllib.parse import urlencode, urlsplit

    from test_graphiql_browser import LOOPBACK, chromium

    from graph_api.testing import serving

    shots: dict[str, dict[str, Any]] = {}
    with serving(neo4j_uri, tmp_path / "serve.log") as base, chromium(tmp_path / "p") as browser:
        browser.open_page()
        url = f"{base}/briefing/PK?{urlencode(PERIOD)}"
        for name, (width, height, mobile) in WIDTHS.items():
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=mobile,
            )
            browser.call("Page.navigate", url=url)
            browser.wait_for("document.readyState === 'complete' && !!document.title", "loaded")
            shots[name] = browser.evaluate(PAGE_CHECKS)
            shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            (tmp_path / f"briefing-pk-{name}.png").write_bytes(b64decode(shot["data"]))
        pdf = browser.call("Page.printToPDF", timeout=120, printBackground=False)
        (tmp_path / "briefing-pk.pdf").write_bytes(b64decode(pdf["data"]))
        urls = browser.requested_urls()
        problems = browser.problems()
    for name, checks in shots.items():
        assert checks["title"] == "Briefing: Pakistan", name
        assert checks["bars"] == 10 and checks["stages"] == 6, (name, checks)
        assert checks["cited"] > 0 and checks["citations"] > 0 and not checks["missing"], checks
    assert shots["phone"]["width"] <= 390 + 1, "the phone layout scrolls sideways"
    left = [
        u for u in urls if urlsplit(u).scheme != "data" and urlsplit(u).hostname not in LOOPBACK
    ]
    assert not left, f"requests left loopback: {left}"
    assert not problems, problems
    for name in WIDTHS:
        assert (tmp_path / f"briefing-pk-{name}.png").stat().st_size > 10_000
    printed = " ".join(pdf_text(tmp_path / "briefing-pk.pdf").split())
    assert "Briefing: Pakistan" in printed
    assert "127 yes, 14 no, 41 abstain" in printed
