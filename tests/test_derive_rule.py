"""The declared rule that links voted resolutions to rights and threats (issue 10, item 4)."""

from __future__ import annotations

from rdflib import RDFS

from civicgraph.iris import ID
from civicgraph.vocab import CSG
from loaders.derive.resolutions import load_rule, matches, rule_graph


def test_the_rule_is_declared_with_a_name_and_version():
    rule = load_rule()
    assert rule.iri == ID["rule/un-ga-civic-space-resolutions/v1"]
    assert rule.issue == "Human rights"
    graph = rule_graph(rule)
    assert str(graph.value(rule.iri, CSG.ruleVersion)) == "1"
    assert "'human rights defenders' -> right/defend-human-rights" in str(
        graph.value(rule.iri, RDFS.comment)
    )


def test_title_words_name_rights_as_whole_words():
    rule = load_rule()
    defenders = "Human rights defenders in the context of the Declaration on the Right"
    assert matches(rule, defenders) == [(CSG.protectsRight, ID["right/defend-human-rights"])]
    assert matches(rule, "THE RIGHT TO PRIVACY in the digital age") == [
        (CSG.protectsRight, ID["right/privacy"])
    ]
    assert matches(rule, "Protection of human rights while countering terrorism") == [
        (CSG.addressesThreat, ID["threat/misuse-of-counter-terrorism-law"])
    ]
    assert matches(rule, "Situation of human rights in an illustrative state") == []
    assert matches(rule, "peaceful assemblyman") == []
