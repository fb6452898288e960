"""The SHACL shapes of ``shapes/*.ttl`` as one rdflib graph, parsed once per process.

Every load validates against the same shapes, so the graph is parsed once and cached. Callers
must treat it as read-only (pyshacl only reads it); copy it before changing it.

The graph handed to pyshacl is *flattened*: each property shape attached to a targeted node shape
through ``sh:property`` also receives that node shape's targets, and the ``sh:property`` link is
dropped. Per SHACL the two forms have the same focus nodes, value nodes and results (a property
shape's results name the property shape itself as ``sh:sourceShape``, however it was reached), but
pyshacl 0.40 evaluates an attached property shape once per focus node, rebuilding its constraint
objects each time, and a targeted one once for all focus nodes. On 1,000 illustrative incidents
(14k triples) that is 3.0 s against 1.3 s of CPU. The files keep the readable form; the tests check
that both forms report the same results on every fixture.

How to validate with it (as ``tests/test_shapes.py`` does): ``pyshacl.validate(data,
shacl_graph=shapes_graph(), ont_graph=<the ontology>, inference="none")``. pyshacl copies only the
ontology's RDFS/OWL axioms into the data graph, not instances: the SKOS concepts of
``ontology/*.ttl`` (rights, threats...) and reference nodes that the data links to must be in the
data graph (or typed from the store), or ``sh:class`` on those links fails. Read only the report's
own ``sh:result`` values: pyshacl also types the nested results of ``sh:node`` (``sh:detail``) as
``sh:ValidationResult``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal, Namespace

from civicgraph.errors import CivicGraphError
from civicgraph.paths import SHAPES_DIR, shape_files

SHAPES_NS = "https://w3id.org/civic-space-graph/shapes#"
SH = Namespace("http://www.w3.org/ns/shacl#")
TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def load_shapes(files: Iterable[Path]) -> Graph:
    """Parse shape files into one graph, as written. A broken file is reported by name, because
    pyshacl would otherwise fail later with an error that does not say which file is at fault."""
    files = list(files)
    if not files:
        raise CivicGraphError(f"No SHACL shape files (*.ttl) found in {SHAPES_DIR}.")
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for syntax errors
            raise CivicGraphError(f"Cannot read the SHACL shapes in {path}: {exc}") from exc
    return graph


def flatten_property_shapes(shapes: Graph) -> Graph:
    """A copy of ``shapes`` in which property shapes of targeted node shapes carry the targets
    themselves (see the module docstring for why). Node shapes keep their own node-level
    constraints; property shapes reached only through sh:or, sh:node and the like are untouched,
    because those are evaluated per value anyway."""
    flat = Graph()
    for prefix, namespace in shapes.namespaces():
        flat.bind(prefix, namespace)
    for triple in shapes:
        flat.add(triple)
    for node_shape, _, property_shape in shapes.triples((None, SH.property, None)):
        targets = [
            (predicate, target)
            for predicate in TARGET_PREDICATES
            for target in shapes.objects(node_shape, predicate)
        ]
        if not targets or (node_shape, SH.deactivated, Literal(True)) in shapes:
            continue
        for predicate, target in targets:
            flat.add((property_shape, predicate, target))
        flat.remove((node_shape, SH.property, property_shape))
    return flat


@cache
def authored_shapes_graph() -> Graph:
    """The shapes exactly as written in ``shapes/*.ttl``, for tools and tests that read them."""
    return load_shapes(shape_files())


@cache
def shapes_graph() -> Graph:
    """The shapes to validate with (flattened), cached; after editing the files, call
    ``shapes_graph.cache_clear()`` and ``authored_shapes_graph.cache_clear()``."""
    return flatten_property_shapes(authored_shapes_graph())
