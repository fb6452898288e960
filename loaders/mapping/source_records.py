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

from rdflib import DCTERMS, RDF, RDFS, XSD, Literal, URIRef

from civicgraph.iris import mint
from civicgraph.model import Ontology
from loaders.mapping.emit import Triple
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
        self.dataset = dataset
        props = ontology.properties
        self.cls = ontology.classes["SourceRecord"].iri
        self.built_from = props["builtFrom"].iri
        self.row_number = props["rowNumber"].iri
        self.sheet_year = props["sheetYear"].iri
        self.file_name = props["fileName"].iri

    def file_label(self, path: Path) -> str:
        return f"{path.name}#{self.sheet}" if self.sheet else path.name

    def year_of(self, fields: dict[str, Any]) -> Any:
        return fields.get(self.year) if self.year else None

    def triples(self, entity: URIRef, rows: Folded, file: str) -> tuple[list[Triple], list[URIRef]]:
        """The records of ``rows`` and the links from ``entity`` to them."""
        out: list[Triple] = []
        iris = []
        for number, year in sorted(rows):
            record = mint("record", self.name, file, number)
            iris.append(record)
            shown = f"Row {number} of {file}" + (f" ({year} list)" if year is not None else "")
            out += [
                (entity, self.built_from, record),
                (record, RDF.type, self.cls),
                (record, RDFS.label, Literal(shown, lang=self.lang)),
                (record, DCTERMS.source, self.dataset),
                (record, self.file_name, Literal(file)),
                (record, self.row_number, Literal(number, datatype=XSD.integer)),
            ]
            if isinstance(year, int) and not isinstance(year, bool):
                out.append((record, self.sheet_year, Literal(year, datatype=XSD.integer)))
        return out, iris
