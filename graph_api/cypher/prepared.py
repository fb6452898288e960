"""Answers the compiled query has already built, and the executor that hands them out as they are.

A :class:`Prepared` is a dict keyed by response key (alias or field name) holding the final,
serialised value of each requested field that applies to its GraphQL type (``typename``), nested
maps and lists included: exactly the JSON the executor would have built. graphql-core would still
walk it field by field (a resolver call, an info object, argument coercion and a leaf check per
field: most of a request's CPU on a 100-item page), so :class:`PreparedExecution` returns a
``Prepared`` (or a list of them) as the completed value of its field without looking inside.
Anything else (mutations' results, root fields the compiler does not handle) is executed as
before.
"""

from __future__ import annotations

from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class Prepared(dict[str, Any]):
    __slots__ = ("typename",)

    def __init__(self, typename: str | None = None):
        super().__init__()
        self.typename = typename


class PreparedList(list[Any]):
    """A list of :class:`Prepared` answers (search hits), completed as it is."""


class PreparedExecution(StrawberryGraphQLCoreExecutionContext):
    def complete_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        kind = type(result)
        if kind is Prepared or kind is PreparedList:
            return result
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )
