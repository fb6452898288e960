"""A graph that prepares each SPARQL text once, to keep SHACL-SPARQL constraints affordable.

pyshacl runs a SPARQL-based constraint by sending the same query text to ``Graph.query`` for every
focus node (the node itself travels in ``initBindings``), and rdflib parses and translates the
text on every call: about 80 ms per resolution, so the 4,862 General Assembly resolutions of the
UN votes would spend some seven minutes re-parsing one query. Preparing each distinct text once
(keyed also by the namespaces and base that resolve it) changes nothing in the results: the
prepared query is exactly what rdflib would have built.
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

_PREPARED: dict[tuple[Any, ...], Query] = {}


class PreparedQueryGraph(Graph):
    """An rdflib ``Graph`` whose ``query`` reuses prepared queries (see module doc)."""

    def query(  # type: ignore[override]
        self,
        query_object: str | Query,
        processor: str = "sparql",
        result: str = "sparql",
        initNs: dict[str, Any] | None = None,
        initBindings: dict[str, Any] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Any:
        if isinstance(query_object, str) and processor == "sparql":
            namespaces = initNs or dict(self.namespaces())
            base = kwargs.get("base")
            key = (query_object, tuple(sorted(namespaces.items())), base)
            prepared = _PREPARED.get(key)
            if prepared is None:
                prepared = prepareQuery(query_object, initNs=namespaces, base=base)
                if len(_PREPARED) > 256:
                    _PREPARED.clear()
                _PREPARED[key] = prepared
            query_object = prepared
            kwargs.pop("base", None)
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )
