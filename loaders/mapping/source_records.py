"""Which dataset rows each main entity was built from (``records:`` in a mapping).

A dataset can list one thing several times: #KeepItOn lists a shutdown still going on again in
each later year's sheet, and the loader folds those rows into one incident. Without a trace of
the fold a researcher cannot reconcile 124 rows with 121 incidents, so each entity links
(``csg:builtFrom``) to one ``csg:SourceRecord`` per row: the file, the row number and the year
of its list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rdflib import XSD, URIRef

from civicgraph.iris import mint
from civicgraph.model import Ontology
from loaders.engine.terms import Lit
from loaders.mapping.emit import LABEL, SOURCE, TYPE, Triple, label_term
from loaders.mapping.spec import MappingSpec

Folded = list[tuple[int, Any]]  # (row number, year of its list) of every row of one entity


class SourceRecords:
    """Builds the record triples of one mapping's rows (see module doc)."""

    def __init__(self, spec: MappingSpec, ontology: Ontology, dataset: URIRef) -> None:
        self.enabled = spec.records is not None
        self.year = spec.records.year if spec.records else None
        self.name = spec.name
        self.sheet = spec.input.sheet
        self.lang = spec.lang
        self.dataset = str(dataset)
        props = ontology.properties
        self.cls = str(ontology.classes["SourceRecord"].iri)
        self.built_from = str(props["builtFrom"].iri)
        self.row_number = str(props["rowNumber"].iri)
        self.sheet_year = str(props["sheetYear"].iri)
        self.file_name = str(props["fileName"].iri)

    def file_label(self, path: Path) -> str:
        return f"{path.name}#{self.sheet}" if self.sheet else path.name

    def year_of(self, fields: dict[str, Any]) -> Any:
        return fields.get(self.year) if self.year else None

    def triples(self, entity: URIRef, rows: Folded, file: str) -> tuple[list[Triple], list[str]]:
        """The records of ``rows`` and the links from ``entity`` to them."""
        out: list[Triple] = []
        iris = []
        for number, year in sorted(rows):
            record = str(mint("record", self.name, file, number))
            iris.append(record)
            shown = f"Row {number} of {file}" + (f" ({year} list)" if year is not None else "")
            out += [
                (str(entity), self.built_from, record),
                (record, TYPE, self.cls),
                (record, LABEL, label_term(shown, self.lang)),
                (record, SOURCE, self.dataset),
                (record, self.file_name, Lit(file)),
                (record, self.row_number, _integer(number)),
            ]
            if isinstance(year, int) and not isinstance(year, bool):
                out.append((record, self.sheet_year, _integer(year)))
        return out, iris


def _integer(value: int) -> Lit:
    return Lit(str(int(value)), str(XSD.integer))
