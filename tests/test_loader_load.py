"""Loads into a real Neo4j: the storage model, idempotence, provenance and all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import neo4j
import neo4j.time
import pytest
from fixtures.loader.support import counts, dump, scheme_stand_ins

from civicgraph.errors import CivicGraphError
from loaders.pipeline import LoadSummary, check_targets, load_graph, load_paths
from loaders.rdf_input import parse, sha256_of
from loaders.records import to_records
from loaders.validate import ValidationFailed
from loaders.writer import LoadInfo, WriteFailed, write

pytestmark = pytest.mark.neo4j

FIXTURES = Path(__file__).parent / "fixtures" / "loader"
EX = "https://w3id.org/civic-space-graph/id/example/"
PROVENANCE = ("loads", "lastLoad")


@pytest.fixture
def stubbed(empty_store: neo4j.Driver, db: str) -> neo4j.Driver:
    """An empty store plus the two scheme stand-ins every example right and threat names."""
    load_graph(
        scheme_stand_ins(), driver=empty_store, source="support.py", sha256="0" * 64, database=db
    )
    return empty_store


def _load(driver: neo4j.Driver, db: str, *names: str) -> LoadSummary:
    return load_paths([FIXTURES / n for n in names], driver=driver, database=db)


def _node(driver: neo4j.Driver, iri: str) -> tuple[list[str], dict[str, object]]:
    records, _, _ = driver.execute_query(
        "MATCH (n:Resource {iri: $iri}) RETURN labels(n) AS l, properties(n) AS p", iri=EX + iri
    )
    assert records, f"no node {iri}"
    return sorted(records[0]["l"]), records[0]["p"]


def _rel(driver: neo4j.Driver, start: str, rel_type: str, end: str) -> dict[str, object]:
    records, _, _ = driver.execute_query(
        "MATCH (:Resource {iri: $a})-[r]->(:Resource {iri: $b}) WHERE type(r) = $t "
        "RETURN properties(r) AS p",
        a=EX + start,
        b=EX + end,
        t=rel_type,
    )
    assert len(records) == 1, f"expected one {rel_type} from {start} to {end}"
    return records[0]["p"]


def _data_dump(driver: neo4j.Driver) -> tuple[list[object], list[object]]:
    """The store without Load nodes and load bookkeeping: what the content itself produced."""
    nodes, rels = dump(driver, without=PROVENANCE)
    return [n for n in nodes if "Load" not in n[1]], rels


def test_every_syntax_gives_the_same_graph(stubbed: neo4j.Driver, db: str) -> None:
    dumps = {}
    for ext in ("ttl", "nt", "nq", "trig", "jsonld", "rdf"):
        stubbed.execute_query("MATCH (n) DETACH DELETE n", database_=db)
        load_graph(scheme_stand_ins(), driver=stubbed, source="s", sha256="0" * 64, database=db)
        _load(stubbed, db, f"example.{ext}")
        dumps[ext] = _data_dump(stubbed)
    assert len(dumps["ttl"][0]) == 12 and len(dumps["ttl"][1]) > 20
    for ext, content in dumps.items():
        assert content == dumps["ttl"], ext


def test_storage_model_in_neo4j(stubbed: neo4j.Driver, db: str) -> None:
    _load(stubbed, db, "example.ttl")
    labels, props = _node(stubbed, "incident/one")
    assert labels == ["Event", "Incident", "Resource"]
    assert isinstance(props["startDate"], neo4j.time.Date)
    assert props["startDate"] == neo4j.time.Date(2019, 3, 1)
    assert props["label"] == "Example incident one" and props["label__lang"] == "en"
    assert props["label__fr"] == "Incident d'exemple un"
    assert props["affectedService"] == ["example messaging", "mobile data"]
    labels, props = _node(stubbed, "law/example-act")
    assert labels == ["Document", "Law", "LegalText", "Resource"]
    assert props["year"] == 2018
    _, right = _node(stubbed, "right/example-right")
    assert right["altLabel__fr"] == ["droit illustratif"]
    _rel(stubbed, "incident/one", "RESTRICTS_RIGHT", "right/example-right")
    _rel(stubbed, "incident/one", "INVOKED_LAW", "law/example-act")
    _rel(stubbed, "law/example-act", "JURISDICTION", "country/xa")
    constraints, _, _ = stubbed.execute_query("SHOW CONSTRAINTS YIELD labelsOrTypes, properties")
    assert {"labelsOrTypes": ["Resource"], "properties": ["iri"]} in [r.data() for r in constraints]


def test_reload_changes_nothing(stubbed: neo4j.Driver, db: str) -> None:
    first = _load(stubbed, db, "example.ttl")
    before = dump(stubbed)
    again = _load(stubbed, db, "example.ttl")
    assert dump(stubbed) == before  # every value, including the Load record and loadedAt
    assert not first.counts.already_loaded and again.counts.already_loaded
    assert again.load.iri == first.load.iri
    assert (again.counts.nodes_created, again.counts.nodes_updated) == (0, 0)
    assert (again.counts.relationships_created, again.counts.relationships_updated) == (0, 0)
    assert again.counts.nodes_unchanged == first.counts.nodes_created + first.counts.nodes_updated


def test_load_record_and_provenance(stubbed: neo4j.Driver, db: str) -> None:
    base = _load(stubbed, db, "base.ttl")
    summary = _load(stubbed, db, "incidents.ttl")
    path = FIXTURES / "incidents.ttl"
    records, _, _ = stubbed.execute_query(
        "MATCH (l:Load {iri: $iri}) RETURN labels(l) AS l, properties(l) AS p",
        iri=summary.load.iri,
    )
    labels, load = sorted(records[0]["l"]), records[0]["p"]
    assert labels == ["Load", "Resource"]
    assert load["sha256"] == sha256_of(path) and summary.load.iri.endswith(load["sha256"])
    assert load["source"] == "tests/fixtures/loader/incidents.ttl"
    assert isinstance(load["loadedAt"], neo4j.time.DateTime)
    assert (load["nodesCreated"], load["relationshipsCreated"]) == (3, 13)
    assert load["triples"] == len(parse(path))
    # nodes: the loads that asserted them, and the last one
    _, incident = _node(stubbed, "incident/one")
    assert incident["loads"] == [summary.load.iri] and incident["lastLoad"] == summary.load.iri
    _, right = _node(stubbed, "right/example-right")
    assert right["loads"] == [base.load.iri]  # only named by the incidents, not asserted
    # relationships: sources from the reification, else from the subject's dcterms:source
    restricts = _rel(stubbed, "incident/one", "RESTRICTS_RIGHT", "right/example-right")
    assert restricts == {"sources": [EX + "source/report"], "loads": [summary.load.iri]}
    country = _rel(stubbed, "incident/one", "COUNTRY", "country/xa")
    assert country["sources"] == [EX + "source/handbook", EX + "source/report"]
    _rel(stubbed, "incident/one", "SOURCE", "source/report")
    # a second load asserting the same nodes adds its id once, however often it is repeated
    merged = _load(stubbed, db, "example.ttl")
    _load(stubbed, db, "example.ttl")
    _, incident = _node(stubbed, "incident/one")
    assert incident["loads"] == [summary.load.iri, merged.load.iri]
    assert incident["lastLoad"] == merged.load.iri
    restricts = _rel(stubbed, "incident/one", "RESTRICTS_RIGHT", "right/example-right")
    assert restricts["loads"] == [summary.load.iri, merged.load.iri]


def test_violations_write_nothing(stubbed: neo4j.Driver, db: str) -> None:
    before = dump(stubbed)
    with pytest.raises(ValidationFailed) as caught:
        _load(stubbed, db, "base.ttl", "invalid.ttl")  # the valid file is not written either
    report = caught.value.report
    assert not report.conforms
    focus = {v.focus for v in report.violations}
    assert focus == {"csgid:example/incident/invalid"}
    assert {v.path for v in report.violations} >= {"csg:startDate", "csg:country"}
    assert all(v.source == "tests/fixtures/loader/invalid.ttl" for v in report.violations)
    text = str(caught.value)
    assert "invalid.ttl" in text and '"2019-02-31"^^xsd:date' in text
    assert dump(stubbed) == before


def test_undeclared_terms_are_rejected_before_shacl(stubbed: neo4j.Driver, db: str) -> None:
    before = counts(stubbed)
    with pytest.raises(ValidationFailed) as caught:
        _load(stubbed, db, "vocabulary-typo.ttl")
    messages = " ".join(v.message for v in caught.value.report.violations)
    assert "csg:restrictRight is not a property of the ontology" in messages
    assert "csg:Incidnt is not a class of the ontology" in messages
    assert "csg:country is a property, not a class" in messages
    assert counts(stubbed) == before


def test_store_aware_validation(stubbed: neo4j.Driver, db: str) -> None:
    from loaders.validate import validate

    _load(stubbed, db, "base.ttl")
    incidents = parse(FIXTURES / "incidents.ttl")
    alone = validate(incidents)
    assert not alone.conforms  # the right, countries, ... are not typed in the file
    assert "csg:restrictsRight" in {v.path for v in alone.violations}
    aware = validate(incidents, driver=stubbed, database=db)
    assert aware.conforms, aware.format()
    assert aware.store_aware and aware.resolved_from_store >= 6
    _load(stubbed, db, "incidents.ttl")
    _rel(stubbed, "incident/two", "RESTRICTS_RIGHT", "right/example-right")


def test_targets_missing_from_the_store_are_a_clear_error(stubbed: neo4j.Driver, db: str) -> None:
    # Relationship ends that neither the data nor the store has stop the load before writing,
    # whether or not a shape constrains the property.
    records = to_records(parse(FIXTURES / "example.ttl"))
    check_targets(records, stubbed, db)  # the schemes are in the store: fine
    stubbed.execute_query("MATCH (n) DETACH DELETE n", database_=db)
    with pytest.raises(
        CivicGraphError, match="neither typed in the data nor in the store"
    ) as caught:
        check_targets(records, stubbed, db)
    assert "id/scheme/rights>" in str(caught.value) and "Nothing was written" in str(caught.value)


def test_dangling_reference_fails_validation(stubbed: neo4j.Driver, db: str) -> None:
    before = counts(stubbed)
    with pytest.raises(ValidationFailed, match="csgid:example/document/nowhere"):
        _load(stubbed, db, "dangling.ttl")
    assert counts(stubbed) == before


def test_a_failure_half_way_leaves_the_graph_unchanged(stubbed: neo4j.Driver, db: str) -> None:
    _load(stubbed, db, "base.ttl")
    before = dump(stubbed)
    records = to_records(parse(FIXTURES / "incidents.ttl"))
    # Nodes are written first, then relationships by type; the last type gets a row whose end
    # is nowhere, so the failure comes after thousands of writes would have happened.
    last = max(records.relationships)
    records.relationships[last].append(
        {"start": EX + "incident/one", "end": EX + "nowhere/missing", "sources": []}
    )
    load = LoadInfo.for_content("half-way", "f" * 64)
    with pytest.raises(WriteFailed, match="nowhere/missing") as caught:
        write(stubbed, records, load, database=db, batch_size=2)
    assert "rolled back" in str(caught.value)
    assert dump(stubbed) == before
    # a value Neo4j refuses (a map is not a property value) fails the same way
    records = to_records(parse(FIXTURES / "incidents.ttl"))
    labels = max(records.nodes)
    records.nodes[labels][-1]["props"]["status"] = {"not": "storable"}  # type: ignore[typeddict-item]
    with pytest.raises(WriteFailed, match="refused the load"):
        write(stubbed, records, load, database=db, batch_size=1)
    assert dump(stubbed) == before
