"""The GraphQL schema matches the ontology exactly, so a change to either without the other fails.

Expectations are computed here from ``civicgraph.model.Ontology`` (not from
``graph_api.schema.shape``), then compared with the schema strawberry builds and serves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
)

import graph_api
from civicgraph.model import Ontology, OntProperty
from civicgraph.paths import GRAPHQL_SDL
from graph_api.schema.build import build_schema
from graph_api.schema.sdl import render_sdl
from loaders.datatypes import graphql_scalar

NODE_FIELDS = {
    "id",
    "iri",
    "label",
    "types",
    "sources",
    "datasets",
    "datasetCount",
    "valueStatements",
}


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def _unwrap(t: object) -> tuple[str, bool]:
    """(named type, is list) of a field type."""
    many = False
    while isinstance(t, GraphQLNonNull | GraphQLList):
        many = many or isinstance(t, GraphQLList)
        t = t.of_type
    return t.name, many  # type: ignore[attr-defined]


def _meta(onto: Ontology, prop: OntProperty) -> bool:
    if prop.kind != "annotation":
        return False
    subjects = list(onto.graph.subjects(prop.iri, None))
    return bool(subjects) and all(onto.by_iri(s) is not None for s in subjects)  # type: ignore[arg-type]


def expected_fields(onto: Ontology, name: str) -> dict[str, OntProperty | None]:
    ancestors = onto.classes[name].ancestors
    fields: dict[str, OntProperty | None] = dict.fromkeys(NODE_FIELDS)
    for prop in onto.properties.values():
        if prop.name == "source" or _meta(onto, prop):
            continue
        if onto.applies_to(prop, name):
            fields[prop.name] = prop
        if prop.is_relationship and prop.range_class in ancestors:
            fields[prop.name + "Inverse"] = prop
            readable = onto.inverse_of(prop.name)
            if readable is not None:
                fields[readable.name] = prop
    return fields


def test_every_class_is_a_type_and_classes_with_subclasses_are_interfaces(schema):
    onto = Ontology.get()
    for name, cls in onto.classes.items():
        gql = schema.get_type(name)
        assert gql is not None, name
        assert gql.description == cls.comment
        if onto.children(name):
            assert isinstance(gql, GraphQLInterfaceType), name
            other = schema.get_type("Other" + name)
            assert isinstance(other, GraphQLObjectType), name
            assert name in {i.name for i in other.interfaces}
        else:
            assert isinstance(gql, GraphQLObjectType), name
        expected = {"Node", *(a for a in cls.ancestors if a != name)}
        assert {i.name for i in gql.interfaces} == expected, name


def test_fields_are_exactly_the_properties_that_apply(schema):
    onto = Ontology.get()
    for name in onto.classes:
        gql = schema.get_type(name)
        assert set(gql.fields) == set(expected_fields(onto, name)), name


def test_field_types_and_descriptions_follow_the_ontology(schema):
    onto = Ontology.get()
    for name in onto.classes:
        gql = schema.get_type(name)
        for field_name, prop in expected_fields(onto, name).items():
            if prop is None:
                continue
            field = gql.fields[field_name]
            named, many = _unwrap(field.type)
            if field_name.endswith("Inverse") or field_name in onto.inverses:
                assert named.endswith("Connection"), (name, field_name)
                continue
            assert field.description == prop.comment, (name, field_name)
            if not prop.is_relationship:
                assert named == graphql_scalar(prop.range), (name, field_name)
                assert many == (not prop.functional), (name, field_name)
            elif prop.functional:
                assert named == (prop.range_class or "Node"), (name, field_name)
            else:
                assert named == f"{prop.range_class or 'Node'}Connection", (name, field_name)


def test_enums_list_the_classes_and_relationship_types(schema):
    onto = Ontology.get()
    node_type = schema.get_type("NodeType")
    rel_type = schema.get_type("RelationshipType")
    assert isinstance(node_type, GraphQLEnumType) and isinstance(rel_type, GraphQLEnumType)
    assert set(node_type.values) == set(onto.classes)
    assert set(rel_type.values) == set(onto.relationship_types())


def test_mutation_inputs_follow_the_ontology(schema):
    onto = Ontology.get()
    for kind in ("Incident", "Law"):
        fields = set(schema.get_type(f"{kind}Input").fields)
        expected = {"source"}
        for prop in onto.properties.values():
            if prop.name == "source" or _meta(onto, prop) or not onto.applies_to(prop, kind):
                continue
            if not prop.is_relationship or prop.domains:
                expected.add(prop.name)
        assert fields == expected, kind


def test_committed_sdl_is_current():
    assert GRAPHQL_SDL.read_text() == render_sdl(), "run `civicgraph generate`"


CYPHER_REL = re.compile(r"-\[\w*:([A-Z_|]+)[\]*]")  # a pattern follows - or <-, a slice does not
CYPHER_LABEL = re.compile(r"\(\w*:([A-Z][A-Za-z]+)[ {)]")


def test_cypher_in_the_api_names_only_ontology_labels_and_types():
    """Labels and relationship types written into Cypher text come from the ontology."""
    onto = Ontology.get()
    labels = set(onto.classes) | {"Resource"}
    types = set(onto.relationship_types())
    package = Path(graph_api.__file__).parent
    for path in sorted(package.rglob("*.py")):
        text = path.read_text()
        for match in CYPHER_REL.finditer(text):
            for rel in match.group(1).split("|"):
                assert rel in types, f"{path}: unknown relationship type {rel}"
        for match in CYPHER_LABEL.finditer(text):
            assert match.group(1) in labels, f"{path}: unknown label {match.group(1)}"
