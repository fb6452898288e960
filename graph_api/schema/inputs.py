"""Mutation inputs generated from the ontology, like the output types.

``<Class>Input`` (create) has the class's datatype properties and its *declared-domain* object
properties (given as IRIs), plus ``source``: the ``dcterms:source`` IRIs, required because every
curated fact needs one. ``label`` is required on create. ``<Class>Patch`` (update) has the same
fields, all optional: a field that is given replaces the stored value(s), one that is left out is
kept. Everything else (formats, cardinalities, targets' classes) is judged by the SHACL shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import strawberry

from civicgraph.model import Ontology
from graph_api.schema.shape import TypeShape, type_shapes
from graph_api.schema.values import python_type

SOURCE_FIELD = "source"


@dataclass(frozen=True)
class InputField:
    name: str
    python: Any
    relationship: bool
    many: bool
    description: str


def input_fields(class_name: str) -> list[InputField]:
    """The editable fields of a class: what ``<Class>Input`` and ``<Class>Patch`` contain."""
    onto = Ontology.get()
    shape: TypeShape = next(s for s in type_shapes() if s.name == class_name)
    fields = [
        InputField(s.name, python_type(s.scalar), False, s.many, s.description)
        for s in shape.scalars
    ]
    for rel in shape.relations:
        prop = onto.properties.get(rel.name)
        if rel.direction == "out" and prop is not None and prop.domains:
            fields.append(InputField(rel.name, strawberry.ID, True, rel.many, rel.description))
    fields.append(
        InputField(SOURCE_FIELD, strawberry.ID, True, True, "IRIs of the sources stating this.")
    )
    return sorted(fields, key=lambda f: f.name)


def _annotation(f: InputField, required: bool) -> Any:
    base: Any = list.__class_getitem__(f.python) if f.many else f.python
    return base if required else base | None


def _build(name: str, class_name: str, create: bool) -> type:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__}
    for f in input_fields(class_name):
        required = create and f.name in ("label", SOURCE_FIELD)
        annotations[f.name] = _annotation(f, required)
        if required:
            namespace[f.name] = strawberry.field(description=f.description)
        else:
            namespace[f.name] = strawberry.field(default=None, description=f.description)
    namespace["__annotations__"] = annotations
    what = "new" if create else "changes to an existing"
    description = f"The fields of a {what} {class_name} (see the {class_name} type)."
    return strawberry.input(type(name, (), namespace), name=name, description=description)


if TYPE_CHECKING:  # generated at import time; opaque to type checkers
    IncidentInput = Any
    IncidentPatch = Any
    LawInput = Any
    LawPatch = Any
else:
    IncidentInput = _build("IncidentInput", "Incident", create=True)
    IncidentPatch = _build("IncidentPatch", "Incident", create=False)
    LawInput = _build("LawInput", "Law", create=True)
    LawPatch = _build("LawPatch", "Law", create=False)


def given_values(data: Any, class_name: str) -> dict[str, Any]:
    """The fields a client set (``None`` means "not given"), keyed by property local name."""
    out = {}
    for f in input_fields(class_name):
        value = getattr(data, f.name, None)
        if value is not None:
            out[f.name] = [str(v) for v in value] if f.relationship and f.many else value
    return out
