"""Readable names for reverse fields (issue 10, item 5): declared in the ontology as properties
``owl:inverseOf`` a stored one, served beside the old ``<property>Inverse`` names, which keep
working and are marked deprecated. Uses the illustrative API test data."""

from __future__ import annotations

import pytest

from civicgraph.model import Ontology
from graph_api.schema.sdl import render_sdl
from graph_api.testing import EX

pytestmark = pytest.mark.neo4j

READABLE = {
    "invokedIn": "invokedLaw",
    "recordedVotes": "onResolution",
    "votes": "rollCall",
    "votesCast": "voter",
    "countryOf": "country",
    "memberships": "member",
    "members": "organisation",
}


def test_the_ontology_declares_the_readable_inverses():
    onto = Ontology.get()
    assert {name: inv.of for name, inv in onto.inverses.items()} == READABLE
    for inverse in onto.inverses.values():
        assert inverse.label and inverse.comment
        assert onto.inverse_of(inverse.of) == inverse
    # They are names only: no relationship type, no property key of their own.
    assert not set(READABLE) & {p.name for p in onto.properties.values()}


def test_old_names_are_deprecated_in_the_sdl():
    sdl = render_sdl()
    for readable, stored in READABLE.items():
        assert f"{stored}Inverse(" in sdl
        assert f'@deprecated(reason: "Use `{readable}`.")' in sdl


async def test_readable_and_old_names_give_the_same_nodes(api):
    query = """query($id: ID!) {
      node(id: $id) {
        ... on Law {
          invokedIn { totalCount nodes { id } }
          invokedLawInverse { totalCount nodes { id } }
        }
      }
    }"""
    data = (await api.gql(query, {"id": EX + "law/xa/networks-act"}))["data"]["node"]
    assert data["invokedIn"]["totalCount"] >= 1
    assert data["invokedIn"] == data["invokedLawInverse"]


async def test_a_country_s_incidents_and_an_organisation_s_members(api):
    query = """{
      nl: node(id: "https://w3id.org/civic-space-graph/id/country/nl") {
        ... on Country { countryOf(types: [State]) { nodes { label } } }
      }
      foc: node(id: "https://w3id.org/civic-space-graph/id/actor/freedom-online-coalition") {
        ... on Actor { members(first: 100) { totalCount } organisationInverse { totalCount } }
      }
    }"""
    data = (await api.gql(query))["data"]
    assert data["nl"]["countryOf"]["nodes"] == [{"label": "Netherlands"}]
    members = data["foc"]["members"]["totalCount"]
    assert members == data["foc"]["organisationInverse"]["totalCount"] == 29
