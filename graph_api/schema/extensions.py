"""Schema extensions of our own: per-request figures, the depth limit and the text budget.

``RequestStats`` puts the request id (what a client quotes when reporting an "Internal error") and
the Cypher count (what a query cost the store) in the response's ``extensions``.

``DepthLimit`` counts depth the way people read a query: the fields on the longest chain, the leaf
included, so ``{ a { b } }`` is 2 deep. (strawberry's ``QueryDepthLimiter`` starts counting at 0
and so let one level more through than the documented limit.) Introspection fields are not counted.

``DocumentCache`` keeps the parsed document of each query text that passed validation (the most
recent :data:`DOCUMENTS` texts): clients send the same few texts again and again, and parsing and
validating one costs more CPU than the rest of a compiled request. A text is cached only once it
parsed and validated with no error under the schema's fixed rules (depth, aliases, tokens), so
the cache changes no answer; a text that fails is checked again each time.

``TextBudget`` gives each request a fresh :class:`graph_api.queries.search.TextBudget`, so the text
searches of all its aliases together stay within ``civicgraph_max_text_searches``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import AddValidationRules, SchemaExtension

from graph_api.queries.search import TextBudget as Budget
from graph_api.queries.search import text_budget


class RequestStats(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        db = getattr(context, "db", None)
        return {
            "requestId": getattr(context, "request_id", None),
            "cypherQueries": db.count if db is not None else 0,
        }


def selection_depth(
    selections: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    limit: int,
    seen: frozenset[str] = frozenset(),
) -> int:
    """Fields on the longest chain below ``selections``; stops counting past ``limit``."""
    if selections is None or limit < 0:
        return 0
    deepest = 0
    for node in selections.selections:
        if isinstance(node, FieldNode):
            if node.name.value.startswith("__"):
                continue
            depth = 1 + selection_depth(node.selection_set, fragments, limit - 1, seen)
        elif isinstance(node, InlineFragmentNode):
            depth = selection_depth(node.selection_set, fragments, limit, seen)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:  # unknown or cyclic: other rules report it
                continue
            depth = selection_depth(fragment.selection_set, fragments, limit, seen | {name})
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
    return deepest


def depth_rule(max_depth: int) -> type[ValidationRule]:
    class DepthRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions = context.document.definitions
            fragments = {
                d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)
            }
            for op in definitions:
                if not isinstance(op, OperationDefinitionNode):
                    continue
                depth = selection_depth(op.selection_set, fragments, max_depth)
                if depth > max_depth:
                    name = op.name.value if op.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"Operation '{name}' is deeper than {max_depth} levels of fields "
                            f"(the leaf field included); split it or ask for less nesting.",
                            op,
                        )
                    )

    return DepthRule


class DepthLimit(AddValidationRules):
    def __init__(self, max_depth: int) -> None:
        super().__init__([depth_rule(max_depth)])


class TextBudget(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        settings = self.execution_context.context.settings
        token = text_budget.set(
            Budget(settings.civicgraph_max_text_length, settings.civicgraph_max_text_searches)
        )
        try:
            yield
        finally:
            text_budget.reset(token)


DOCUMENTS = 512
_documents: OrderedDict[tuple[str, tuple[Any, ...]], DocumentNode] = OrderedDict()


class DocumentCache(SchemaExtension):
    """Parse and validate a query text once; later requests with the same text reuse it."""

    def __init__(self) -> None:
        super().__init__()
        self.key: tuple[str, tuple[Any, ...]] | None = None
        self.cached = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query:
            options = tuple(sorted(context.parse_options.items()))
            self.key = (context.query, (id(context.schema), *options))  # validated per schema
            document = _documents.get(self.key)
            if document is not None:
                _documents.move_to_end(self.key)
                context.graphql_document = document
                self.cached = True
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self.cached:
            context.pre_execution_errors = []  # validated when it was cached
        yield
        if self.key is not None and not self.cached and context.pre_execution_errors == []:
            document = context.graphql_document
            if document is not None:
                _documents[self.key] = document
                if len(_documents) > DOCUMENTS:
                    _documents.popitem(last=False)
