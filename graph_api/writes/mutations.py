"""Curators' mutations: create and update incidents and laws, and link nodes.

All need a bearer token. An edit is validated with the loaders' SHACL shapes and written as a
load (``graph_api.writes.curation``); refusals come back as data (``errors``: field, rule,
message) so a form can show them next to the field. IRIs are minted by ``civicgraph.iris.mint``,
from the label among others, so a label is checked first: not blank, at most :data:`MAX_LABEL`
characters, with a letter or digit. A store that is down gives ``STORE_UNAVAILABLE``
(``graph_api.writes.writer``).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from civicgraph.iris import mint
from civicgraph.model import Ontology, local_name
from graph_api.queries.connection import Node, RelationshipType, dynamic_enum
from graph_api.queries.links import property_name
from graph_api.schema.inputs import (
    IncidentInput,
    IncidentPatch,
    LawInput,
    LawPatch,
    given_values,
)
from graph_api.web.auth import require_curator
from graph_api.writes.curation import Edit, EditRefused, FieldProblem, apply_edit, read_node

MAX_LABEL = 500

_LAW_KINDS = [
    "Law",
    *sorted(
        c
        for c in Ontology.get().classes
        if "Law" in Ontology.get().classes[c].ancestors and c != "Law"
    ),
]
if TYPE_CHECKING:

    class LawKind(enum.Enum):
        Law = "Law"

else:
    LawKind = dynamic_enum(
        "LawKind", _LAW_KINDS, "Which kind of law to create: a Law or one of its subclasses."
    )


@strawberry.type(description="Why an edit was refused: the field, the rule and what to do.")
class FieldError:
    field: str | None
    rule: str
    message: str
    value: str | None


@strawberry.type(description="The outcome of an edit: the node as stored, or why not.")
class MutationResult:
    ok: bool
    errors: list[FieldError]
    load: str | None = strawberry.field(description="IRI of the Load that recorded the edit.")
    iri: strawberry.Private[str | None]

    @strawberry.field
    async def node(self, info: Info) -> Node | None:
        from graph_api.schema.entities import wrap

        if not self.ok or self.iri is None:
            return None
        record = await info.context.loaders.nodes.load(self.iri)
        return wrap(record) if record is not None else None


def _refused(problems: list[FieldProblem]) -> MutationResult:
    errors = [
        FieldError(field=p.field, rule=p.rule, message=p.message, value=p.value) for p in problems
    ]
    return MutationResult(ok=False, errors=errors, load=None, iri=None)


def label_problems(label: str) -> list[FieldProblem]:
    """Why a label cannot name a node (and key its IRI), if it cannot."""
    if not label.strip():
        return [FieldProblem("label", "minLength", "Give a label: the name of what this is.")]
    if len(label) > MAX_LABEL:
        return [
            FieldProblem(
                "label",
                "maxLength",
                f"A label has at most {MAX_LABEL} characters (this one has {len(label):,}); put "
                "the rest in `description`.",
            )
        ]
    if not any(c.isalnum() for c in label):
        return [FieldProblem("label", "pattern", "A label needs at least one letter or digit.")]
    return []


async def _run(info: Info, edit: Edit, action: str) -> MutationResult:
    writer = info.context.writer

    def work(driver: Any) -> str:
        return apply_edit(driver, writer.database, edit, action)

    try:
        load = await writer.call(work)
    except EditRefused as exc:
        return _refused(exc.problems)
    info.context.loaders.nodes.clear_all()
    return MutationResult(ok=True, errors=[], load=load, iri=edit.iri)


async def _existing(info: Info, iri: str, kind: str | None) -> tuple[str, dict[str, Any]] | None:
    """The stored node's class and values, if it exists (and is a ``kind`` when one is given)."""
    writer = info.context.writer

    def work(driver: Any) -> tuple[str, dict[str, Any]] | None:
        return read_node(driver, writer.database, iri, writer.timeout)

    found = await writer.call(work)
    if found is None or found[0] not in Ontology.get().classes:
        return None
    if kind is not None and kind not in Ontology.get().classes[found[0]].ancestors:
        return None
    return found


def _key(iri: str) -> str:
    return local_name(iri.rstrip("/"))


def _minted(kind: str, place: str, *keys: str) -> str | None:
    """The new node's IRI from the place's IRI and the other keys; None if ``place`` has no key."""
    try:
        return str(mint(kind, _key(place), *keys))
    except ValueError:  # the label was checked: only the place can lack letters and digits
        return None


def _unusable_iri(field: str, value: str) -> FieldProblem:
    return FieldProblem(field, "pattern", "Give the IRI of a country.", value[:200])


async def _create(info: Info, class_name: str, iri: str, values: dict[str, Any]) -> Any:
    if await _existing(info, iri, None) is not None:
        return _refused([FieldProblem("label", "unique", f"<{iri}> exists; update it instead.")])
    return await _run(info, Edit(iri, class_name, values), f"create{class_name}")


async def _update(info: Info, iri: str, kind: str, data: Any) -> MutationResult:
    changes = given_values(data, kind)
    if "label" in changes and (problems := label_problems(changes["label"])):
        return _refused(problems)
    found = await _existing(info, iri, kind)
    if found is None:
        return _refused([FieldProblem("id", "exists", f"No {kind} has the id {iri!r}.", iri)])
    class_name, stored = found
    edit = Edit(iri, class_name, {**stored, **changes}, replaced=set(changes))
    return await _run(info, edit, f"update{kind}")


FromArg = Annotated[strawberry.ID, strawberry.argument(name="from")]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Record a new incident (IRI minted from country, date, label)."
    )
    async def create_incident(self, info: Info, input: IncidentInput) -> MutationResult:
        require_curator(info.context.authorised)
        values = given_values(input, "Incident")
        if problems := label_problems(values["label"]):
            return _refused(problems)
        country = str(values.get("country", "unknown"))
        date = str(values.get("startDate", "undated"))
        iri = _minted("incident", country, date, values["label"])
        if iri is None:
            return _refused([_unusable_iri("country", country)])
        return await _create(info, "Incident", iri, values)

    @strawberry.mutation(description="Change an incident; given fields replace the stored ones.")
    async def update_incident(
        self,
        info: Info,
        id: strawberry.ID,
        input: IncidentPatch,
    ) -> MutationResult:
        require_curator(info.context.authorised)
        return await _update(info, str(id), "Incident", input)

    @strawberry.mutation(description="Record a new law, regulation, policy or order.")
    async def create_law(
        self,
        info: Info,
        input: LawInput,
        kind: LawKind = LawKind.Law,
    ) -> MutationResult:
        require_curator(info.context.authorised)
        values = given_values(input, "Law")
        if problems := label_problems(values["label"]):
            return _refused(problems)
        jurisdiction = str(values.get("jurisdiction", "unknown"))
        iri = _minted("law", jurisdiction, values["label"])
        if iri is None:
            return _refused([_unusable_iri("jurisdiction", jurisdiction)])
        return await _create(info, kind.value, iri, values)

    @strawberry.mutation(description="Change a law; given fields replace the stored ones.")
    async def update_law(
        self,
        info: Info,
        id: strawberry.ID,
        input: LawPatch,
    ) -> MutationResult:
        require_curator(info.context.authorised)
        return await _update(info, str(id), "Law", input)

    @strawberry.mutation(
        description="Add one relationship between existing nodes; `sources` state it (they are "
        "recorded on the relationship, not on the node)."
    )
    async def link(
        self,
        info: Info,
        from_: FromArg,
        relationship: RelationshipType,
        to: strawberry.ID,
        sources: list[strawberry.ID],
    ) -> MutationResult:
        require_curator(info.context.authorised)
        if not sources:
            return _refused([FieldProblem("sources", "minCount", "Name at least one source.")])
        found = await _existing(info, str(from_), None)
        if found is None:
            return _refused([FieldProblem("from", "exists", f"No node has the id {from_!r}.")])
        class_name, stored = found
        name = property_name(relationship.value)
        values = {**stored, name: [*stored.get(name, []), str(to)]}
        statement = (name, str(to), tuple(str(s) for s in sources))
        return await _run(
            info, Edit(str(from_), class_name, values, statements=[statement]), "link"
        )
