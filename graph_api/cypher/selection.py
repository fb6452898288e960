"""What a request asks for under one field, read off the GraphQL document.

Fields are merged by response key (alias or name) across fragments; each remembers the type
conditions (``owners``) it was selected under, so the shaper keeps only those that apply to a
node's type, as the executor would. Two selections under one response key that name different
fields, pass different arguments, or ask different sub-fields under different type conditions
cannot share one projection; they raise :class:`Unsupported`. ``__typename`` is a field like any
other here: the answer is built without the executor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
    TypeNameMetaFieldDef,
    VariableNode,
    get_named_type,
    print_ast,
    value_from_ast,
)
from graphql.pyutils import Undefined


class Unsupported(Exception):
    """The selection cannot be compiled; the caller falls back to the per-field resolvers."""


@dataclass
class Sel:
    """One response key: the field it names, its arguments and its merged sub-selection."""

    key: str
    name: str
    owners: set[str]  # the types (or fragment conditions) the field was selected on
    definition: GraphQLField
    args: dict[str, Any]
    fields: dict[str, Sel] = field(default_factory=dict)
    first: SelectionSetNode | None = None  # the first sub-selection (compared across owners)

    @property
    def target(self) -> GraphQLNamedType:
        return get_named_type(self.definition.type)


def _included(node: Any, variables: dict[str, Any]) -> bool:
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        arg = next((a for a in directive.arguments if a.name.value == "if"), None)
        if arg is None:
            continue
        value = arg.value
        flag = variables.get(value.name.value) if isinstance(value, VariableNode) else value.value
        if (name == "skip") == bool(flag):
            return False
    return True


def arguments(definition: GraphQLField, node: FieldNode, variables: dict[str, Any]) -> dict:
    """Coerced argument values (defaults filled in), like the executor computes them."""
    given = {a.name.value: a.value for a in node.arguments or ()}
    out: dict[str, Any] = {}
    for name, arg in definition.args.items():
        value_node = given.get(name)
        if value_node is None or (
            isinstance(value_node, VariableNode) and value_node.name.value not in variables
        ):
            default = arg.default_value
            out[name] = None if default is Undefined else default
            continue
        if isinstance(value_node, VariableNode):
            out[name] = variables[value_node.name.value]
            continue
        value = value_from_ast(value_node, arg.type, variables)
        if value is Undefined:
            raise Unsupported(f"argument {name} could not be read")
        out[name] = value
    return out


class Collector:
    """Reads selections with the request's schema, fragments and (coerced) variables."""

    def __init__(self, info: GraphQLResolveInfo):
        self.schema = info.schema
        self.fragments = info.fragments
        self.variables: dict[str, Any] = dict(info.variable_values or {})  # type: ignore[arg-type]

    def fields(
        self, parent: GraphQLNamedType, sets: list[SelectionSetNode | None]
    ) -> dict[str, Sel]:
        out: dict[str, Sel] = {}
        for selection_set in sets:
            if selection_set is not None:
                self._collect(parent, selection_set, out, set())
        return out

    def _collect(
        self,
        owner: GraphQLNamedType,
        selection_set: SelectionSetNode,
        out: dict[str, Sel],
        seen: set[str],
    ) -> None:
        for node in selection_set.selections:
            if not _included(node, self.variables):
                continue
            if isinstance(node, FieldNode):
                self._field(owner, node, out)
            elif isinstance(node, InlineFragmentNode):
                cond = node.type_condition
                inner = self.schema.get_type(cond.name.value) if cond else owner
                self._collect(inner or owner, node.selection_set, out, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                inner = self.schema.get_type(fragment.type_condition.name.value)
                self._collect(inner or owner, fragment.selection_set, out, seen | {name})

    def _field(self, owner: GraphQLNamedType, node: FieldNode, out: dict[str, Sel]) -> None:
        name = node.name.value
        key = node.alias.value if node.alias else name
        definition: GraphQLField | None = TypeNameMetaFieldDef
        if name.startswith("__"):
            if name != "__typename":
                raise Unsupported(f"meta field {name}")
        else:
            definition = getattr(owner, "fields", {}).get(name)
        if definition is None:
            raise Unsupported(f"{owner}.{name}")
        args = arguments(definition, node, self.variables) if definition.args else {}
        found = out.get(key)
        if found is None:
            found = out[key] = Sel(
                key, name, {owner.name}, definition, args, first=node.selection_set
            )
        elif found.name != name or found.args != args:
            raise Unsupported(f"response key {key} names two different selections")
        elif (
            owner.name not in found.owners
            and node.selection_set is not None
            and (found.first is None or print_ast(node.selection_set) != print_ast(found.first))
        ):
            # The answer holds one merged sub-selection: exact only when both ask the same.
            raise Unsupported(f"response key {key} asks different fields on two types")
        found.owners.add(owner.name)
        if node.selection_set is not None:
            target = get_named_type(definition.type)
            self._collect(target, node.selection_set, found.fields, set())
