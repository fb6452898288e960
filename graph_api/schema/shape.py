"""The GraphQL shape of the ontology, as plain data: which types, interfaces and fields exist.

Kept apart from strawberry so the conventions can be read and tested in one place
(``tests/test_api_schema.py`` compares this with the ontology and the served schema with this).

Conventions:

- Every ontology class is a GraphQL type of the same name. A class with subclasses becomes an
  *interface*; because GraphQL cannot return a bare interface, it also gets a concrete type
  ``Other<Class>`` for nodes typed with that class and none of its subclasses.
- Every type implements ``Node`` (``id``, ``iri``, ``label``, ``types``, ``sources``) and the
  interfaces of its ancestor classes.
- Datatype and annotation properties that apply to a class (``Ontology.applies_to``) are fields
  named by their local name, scalar from ``loaders.datatypes``; non-functional ones are lists.
- Object properties that apply to a class are *outgoing* relationship fields named by their local
  name: functional ones return one node, others a connection. A property's subproperties are
  followed too (``cites`` also returns ``recalls`` and ``reaffirms`` links).
- An object property with a declared range of ours gives the range class (and its subclasses) an
  *incoming* connection field named ``<localName>Inverse``: ``Right.restrictsRightInverse`` lists
  the incidents that restrict that right. Where the ontology declares a property ``owl:inverseOf``
  it (with its own label), that property's local name is the field instead (``Law.invokedIn``)
  and ``<localName>Inverse`` stays, deprecated.
- ``dcterms:source`` is the ``sources`` field of ``Node``, not a relationship field of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from rdflib import URIRef

from civicgraph.model import Ontology, OntProperty
from loaders.datatypes import graphql_scalar

NODE = "Node"
UNTYPED = "Resource"
OTHER_PREFIX = "Other"
INVERSE_SUFFIX = "Inverse"
SOURCE_PROPERTY = "source"
NODE_FIELDS = (
    "id",
    "iri",
    "label",
    "types",
    "sources",
    "datasets",
    "datasetCount",
    "valueStatements",
)
Direction = Literal["out", "in"]


@dataclass(frozen=True)
class ScalarField:
    name: str
    scalar: str
    many: bool
    tagged: bool
    description: str


@dataclass(frozen=True)
class RelField:
    name: str
    rel_types: tuple[str, ...]
    direction: Direction
    target: str
    many: bool
    description: str
    deprecation: str | None = None


@dataclass(frozen=True)
class TypeShape:
    name: str
    class_name: str | None
    interface: bool
    bases: tuple[str, ...]
    interfaces: tuple[str, ...]
    description: str
    scalars: tuple[ScalarField, ...]
    relations: tuple[RelField, ...]


def _is_tagged(prop: OntProperty) -> bool:
    """Language-tagged values (``rdf:langString`` or annotations) can be asked for by language."""
    return prop.kind == "annotation" or str(prop.range).endswith("#langString")


def _is_meta(onto: Ontology, prop: OntProperty) -> bool:
    """An annotation the ontology puts only on its own properties (``csg:onePerLanguage``)
    describes the schema, not entities, so it is no field."""
    if prop.kind != "annotation":
        return False
    subjects = [s for s in onto.graph.subjects(prop.iri, None) if isinstance(s, URIRef)]
    return bool(subjects) and all(onto.by_iri(s) is not None for s in subjects)


def _scalar_fields(onto: Ontology, class_name: str) -> tuple[ScalarField, ...]:
    fields = []
    for prop in sorted(onto.property_keys().values(), key=lambda p: p.name):
        if not onto.applies_to(prop, class_name) or _is_meta(onto, prop):
            continue
        fields.append(
            ScalarField(
                name=prop.name,
                scalar=graphql_scalar(prop.range),
                many=not prop.functional,
                tagged=_is_tagged(prop),
                description=prop.comment,
            )
        )
    return tuple(fields)


def _subproperty_types(onto: Ontology, prop: OntProperty) -> tuple[str, ...]:
    """The relationship types a property field follows: its own and its subproperties'."""
    found = [prop.rel_type]
    for other in onto.properties.values():
        if other.is_relationship and other.parent == prop.name:
            found.extend(t for t in _subproperty_types(onto, other) if t not in found)
    return tuple(found)


def _common_class(onto: Ontology, names: tuple[str, ...]) -> str:
    """The most specific class every one of ``names`` belongs to, else ``Node``."""
    if not names:
        return NODE
    shared = set(onto.classes[names[0]].ancestors)
    for name in names[1:]:
        shared &= set(onto.classes[name].ancestors)
    if not shared:
        return NODE
    return max(sorted(shared), key=lambda c: len(onto.classes[c].ancestors))


def _relation_fields(onto: Ontology, class_name: str) -> tuple[RelField, ...]:
    fields = []
    ancestors = onto.classes[class_name].ancestors
    for prop in sorted(onto.relationship_types().values(), key=lambda p: p.name):
        if prop.name == SOURCE_PROPERTY:
            continue
        if onto.applies_to(prop, class_name):
            fields.append(
                RelField(
                    name=prop.name,
                    rel_types=_subproperty_types(onto, prop),
                    direction="out",
                    target=prop.range_class or NODE,
                    many=not prop.functional,
                    description=prop.comment,
                )
            )
        if prop.range_class is not None and prop.range_class in ancestors:
            readable = onto.inverse_of(prop.name)
            fields.append(
                RelField(
                    name=prop.name + INVERSE_SUFFIX,
                    rel_types=_subproperty_types(onto, prop),
                    direction="in",
                    target=_common_class(onto, prop.domains),
                    many=True,
                    description=f"Nodes whose `{prop.name}` is this one. ({prop.comment})",
                    deprecation=f"Use `{readable.name}`." if readable else None,
                )
            )
            if readable is not None:
                fields.append(
                    RelField(
                        name=readable.name,
                        rel_types=_subproperty_types(onto, prop),
                        direction="in",
                        target=_common_class(onto, prop.domains),
                        many=True,
                        description=f"{readable.comment} (`{prop.name}` read backwards.)",
                    )
                )
    return tuple(sorted(fields, key=lambda f: f.name))


@cache
def concrete_name(class_name: str) -> str:
    """The object type that serves nodes whose most specific class is ``class_name``."""
    if Ontology.get().children(class_name):
        return OTHER_PREFIX + class_name
    return class_name


@cache
def type_shapes() -> tuple[TypeShape, ...]:
    """Every interface and object type the ontology gives, sorted by name."""
    onto = Ontology.get()
    shapes = []
    for name in sorted(onto.classes):
        cls = onto.classes[name]
        parents = tuple(p for p in cls.ancestors if p != name)
        scalars = _scalar_fields(onto, name)
        relations = _relation_fields(onto, name)
        for field_name in [f.name for f in scalars] + [f.name for f in relations]:
            if field_name in NODE_FIELDS and field_name != "label":
                raise ValueError(f"ontology field {name}.{field_name} clashes with a Node field")
        has_children = bool(onto.children(name))
        bases = cls.parents or (NODE,)
        shapes.append(
            TypeShape(
                name, name, has_children, bases, (NODE, *parents), cls.comment, scalars, relations
            )
        )
        if has_children:
            other = OTHER_PREFIX + name
            if other in onto.classes:
                raise ValueError(f"class {other} clashes with the concrete type of {name}")
            description = f"A {cls.label.lower()} that is none of its more specific kinds."
            shapes.append(
                TypeShape(
                    other,
                    name,
                    False,
                    (name,),
                    (NODE, *cls.ancestors),
                    description,
                    scalars,
                    relations,
                )
            )
    return tuple(sorted(shapes, key=lambda s: s.name))


@cache
def most_specific_class(labels: frozenset[str]) -> str | None:
    """A node's most specific class from its Neo4j labels (None when it has none of ours).

    A node with two unrelated most specific classes (a ``Person`` who is a ``Journalist``) gets
    the one with more ancestors, ties broken by name, so the choice is stable.
    """
    onto = Ontology.get()
    ours = [label for label in labels if label in onto.classes]
    if not ours:
        return None
    leaves = [c for c in ours if not any(c != o and c in onto.classes[o].ancestors for o in ours)]
    return min(leaves, key=lambda c: (-len(onto.classes[c].ancestors), c))


def type_for_labels(labels: frozenset[str]) -> str:
    """The concrete GraphQL type serving a node with these labels."""
    best = most_specific_class(labels)
    return UNTYPED if best is None else concrete_name(best)


def class_names() -> tuple[str, ...]:
    return tuple(sorted(Ontology.get().classes))


def relationship_names() -> tuple[str, ...]:
    return tuple(sorted(Ontology.get().relationship_types()))
