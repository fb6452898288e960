"""Renders the artifacts derived from the ontology that live in the repository.

They are committed so that readers and type checkers see them; ``tests/test_generated.py`` fails
when one is stale, and ``civicgraph generate`` rewrites them.
"""

from __future__ import annotations

from pathlib import Path

from civicgraph.model import CSG_NS, ID_NS, Ontology, local_name
from civicgraph.paths import GRAPHQL_SDL, ROOT

VOCAB_PY = ROOT / "civicgraph" / "vocab.py"

_VOCAB_HEAD = '''"""The closed Python namespace of the Civic Space Graph vocabulary.

Generated from ``ontology/*.ttl`` by ``civicgraph generate``; do not edit by hand. Referring to a
term that the ontology does not declare raises ``AttributeError``.
"""

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace


class CSG(DefinedNamespace):
    """Classes and properties of ``{ns}``."""

    _NS = Namespace("{ns}")
    _fail = True

'''

_ID_TAIL = '''

ID = Namespace("{id_ns}")
"""Base of the IRIs the project mints for entities (use ``civicgraph.iris.mint``)."""
'''


def render_vocab(ontology: Ontology) -> str:
    terms = sorted(
        {
            local_name(s)
            for s in ontology.graph.subjects()
            if str(s).startswith(CSG_NS) and local_name(s)
        }
    )
    lines = [_VOCAB_HEAD.format(ns=CSG_NS)]
    for name in terms:
        lines.append(f"    {name}: URIRef\n")
    lines.append(_ID_TAIL.format(id_ns=ID_NS))
    return "".join(lines)


def artifacts() -> dict[Path, str]:
    """Every generated file and its expected content (imports are local: the API is heavy)."""
    from civicgraph.countries import COUNTRIES_TTL, render_countries_ttl
    from graph_api.schema.sdl import render_sdl

    return {
        VOCAB_PY: render_vocab(Ontology.get()),
        COUNTRIES_TTL: render_countries_ttl(),
        GRAPHQL_SDL: render_sdl(),
    }


def write_all() -> list[Path]:
    changed = []
    for path, text in artifacts().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed
