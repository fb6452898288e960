"""Datasets as a filter and a facet, over HTTP: lists and counts restricted to the nodes given
datasets or loads assert, counts by dataset, and each node's ``datasets``/``datasetCount``.

The store: the reference data, the ILLUSTRATIVE #KeepItOn table (tests/fixtures/tables) and an
ILLUSTRATIVE second shutdown list (tests/fixtures/datasets) whose rows name two of the same
incidents (same identifying columns) and one of its own. Nothing here is real data.
"""

from __future__ import annotations

from typing import Any

import neo4j
import pytest
from fixtures.tables.support import ID, TABLES, load, with_reference

from civicgraph.settings import Settings
from civicgraph.store import database
from graph_api.testing import api_settings, running_api
from loaders.mapping.load import load_mapping
from loaders.mapping.run import run_mapping

pytestmark = pytest.mark.neo4j

FIXTURES = TABLES.parent / "datasets"
KEEPITON = ID + "dataset/access-now-keepiton-stop"
SECOND = ID + "dataset/example-second-shutdown-list"
DISTRICT_A = ID + "incident/keepiton/in/2020-03-01/"
VALLEY = ID + "incident/keepiton/pk/2021-05-05/"
VILLAGE = ID + "incident/keepiton/pk/2022-02-02/"


@pytest.fixture(scope="module")
def store(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> dict[str, Any]:
    """Reference data plus both illustrative tables; the IRIs of the two loads."""
    db = database(neo4j_settings)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    with_reference(neo4j_driver, db)
    first = load(neo4j_driver, db, "keepiton", TABLES / "keepiton_illustrative.csv")
    mapping = load_mapping(FIXTURES / "second.yaml")
    second = run_mapping(
        mapping, FIXTURES / "second_illustrative.csv", driver=neo4j_driver, database=db
    )
    return {"driver": neo4j_driver, "loads": [_load_iri(first.outcome), _load_iri(second.outcome)]}


def _load_iri(outcome: str) -> str:
    return outcome.removeprefix("written as ").split(" ")[0]


@pytest.fixture(scope="module")
async def api(store: dict[str, Any], neo4j_uri: str) -> Any:
    async with running_api(api_settings(neo4j_uri)) as client:
        yield client


LIST = """query($f: IncidentFilter) { incidents(filter: $f, first: 50) { totalCount
  nodes { iri datasetCount datasets { iri } } } }"""


async def _incidents(api: Any, flt: dict[str, Any]) -> dict[str, list[str]]:
    data = (await api.gql(LIST, {"f": flt}))["data"]["incidents"]
    nodes = data["nodes"]
    assert data["totalCount"] == len(nodes)
    for n in nodes:
        assert n["datasetCount"] == len(n["datasets"])
    return {n["iri"]: [d["iri"] for d in n["datasets"]] for n in nodes}


def _one(found: dict[str, list[str]], prefix: str) -> list[str]:
    hits = [datasets for iri, datasets in found.items() if iri.startswith(prefix)]
    assert len(hits) == 1, (prefix, sorted(found))
    return hits[0]


async def test_incidents_of_a_dataset_and_which_datasets_record_each(api: Any) -> None:
    keepiton = await _incidents(api, {"dataset": [KEEPITON]})
    second = await _incidents(api, {"dataset": ["dataset/example-second-shutdown-list"]})
    both = await _incidents(api, {"dataset": [KEEPITON, "example-second-shutdown-list"]})
    assert len(keepiton) == 4 and len(second) == 3
    assert len(both) == 5  # two incidents are recorded by both, counted once
    # Datasets by label: "Access Now, ..." before "Illustrative second ...".
    assert _one(both, DISTRICT_A) == [KEEPITON, SECOND]
    assert _one(both, VALLEY) == [KEEPITON, SECOND]
    assert _one(both, VILLAGE) == [SECOND]
    assert _one(keepiton, ID + "incident/keepiton/in/2020-04-10/") == [KEEPITON]
    # The filter combines with the others.
    pakistan = await _incidents(api, {"dataset": [SECOND], "country": "PK"})
    assert len(pakistan) == 2


async def test_incidents_of_a_load(api: Any, store: dict[str, Any]) -> None:
    first, second = store["loads"]
    assert set(await _incidents(api, {"load": [second]})) == set(
        await _incidents(api, {"dataset": [SECOND]})
    )
    assert len(await _incidents(api, {"load": [first, second]})) == 5


async def test_counts_by_dataset_and_restricted_to_one(api: Any) -> None:
    query = """query($f: IncidentFilter) {
      byDataset: incidentCounts(by: DATASET) { key count node { iri datasetCount } }
      byCountry: incidentCounts(by: COUNTRY, filter: $f) { key count } }"""
    data = (await api.gql(query, {"f": {"dataset": [SECOND]}}))["data"]
    by_dataset = {b["key"]: b["count"] for b in data["byDataset"]}
    assert by_dataset == {KEEPITON: 4, SECOND: 3}
    # Resolved field by field (a count bucket's node): the same answer as the compiled lists.
    assert {b["node"]["iri"]: b["node"]["datasetCount"] for b in data["byDataset"]} == {
        KEEPITON: 1,
        SECOND: 1,
    }
    assert {b["key"]: b["count"] for b in data["byCountry"]} == {
        ID + "country/pk": 2,
        ID + "country/in": 1,
    }


async def test_other_lists_take_the_filter_too(api: Any) -> None:
    query = """{ laws(filter: {dataset: ["dataset/access-now-keepiton-stop"]}) { totalCount }
      sources(filter: {dataset: ["dataset/example-second-shutdown-list"]}) { nodes { iri } }
      nodes(types: [Incident], dataset: ["example-second-shutdown-list"]) { totalCount } }"""
    data = (await api.gql(query))["data"]
    assert data["laws"]["totalCount"] >= 1
    urls = {n["iri"] for n in data["sources"]["nodes"]}
    assert SECOND in urls and len(urls) == 4  # the dataset and its three example.org links
    assert data["nodes"]["totalCount"] == 3


async def test_an_unknown_dataset_or_load_is_a_bad_argument(api: Any) -> None:
    for flt, argument in (
        ({"dataset": ["dataset/no-such-list"]}, "filter.dataset"),
        ({"load": [ID + "load/0000"]}, "filter.load"),
        ({"dataset": [ID + "country/pk"]}, "filter.dataset"),  # a node, but no dataset
    ):
        errors = await api.errors(LIST, {"f": flt})
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
        assert errors[0]["extensions"]["argument"] == argument
        assert "no Dataset" in errors[0]["message"] or "no Load" in errors[0]["message"]
