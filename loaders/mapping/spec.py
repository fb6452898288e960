"""The shape of a declarative table mapping (``loaders/mappings/*.yaml``), as pydantic models.

A mapping says how to read one table, how to clean each value into a *field*, and which
*entities* (nodes) each row yields from those fields. Keeping the format declarative means a
new dataset is a reviewed YAML file, not new code; the models reject unknown keys so a typo in
a mapping is an error that names the key instead of a silently ignored setting.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from loaders.mapping.snapshots import SnapshotSpec
from loaders.matching.spec import MatchSpec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class InputSpec(_Strict):
    """How to read the table. ``columns`` is the exact header the file must have."""

    format: Literal["csv", "xlsx", "json"] = "csv"
    encoding: str = "utf-8"
    delimiter: str | None = None  # None: sniffed among , ; tab |
    sheet: str | None = None  # xlsx: the sheet name (default: the first)
    columns: list[str]
    file: str | None = None  # the main table's name when the loader is given its folder
    json_key_column: str | None = None  # json object of objects: the column that gets the key
    filename_pattern: str | None = None  # regex; its named groups become fields


class LookupSpec(_Strict):
    """A second table joined to each row: ``by`` (a field of the row) equals ``key`` (a column).
    (Not ``on``: YAML 1.1 reads a bare ``on`` key as the boolean true.)"""

    path: str  # relative to the folder of the main input
    key: str
    by: str
    key_parse: Literal["text", "integer"] = "text"
    many: bool = False  # several rows per key: each column becomes a list
    required: bool = True  # a row without a match is rejected
    key_function: str | None = None  # a function (functions.py) normalising the key column
    where: dict[str, list[str]] = Field(default_factory=dict)  # keep rows whose column is one of
    input: InputSpec


class PatternSpec(_Strict):
    """A regular expression (case-insensitive, searched) and the value a match gives; without a
    value, the matching text itself is kept (the pattern then only filters)."""

    match: str
    value: Any = None
    group: int | None = None  # instead of a value: the text the match's group captured


class FieldSpec(_Strict):
    """One cleaned value (or list of values) computed from a row.

    Steps, in order: take the source (``column``, ``field``, ``template``, ``value`` or the
    first present of ``coalesce``), trim, drop ``absent`` values, ``split`` into items, then per
    item: ``case``, ``map`` / ``patterns``, ``function``, ``parse``. A value that a map, a
    pattern list or a function cannot handle is a *miss*, handled by ``on_miss``.
    """

    column: str | None = None  # "col" or "lookup.col"
    field: str | None = None
    template: str | None = None
    value: Any = None
    coalesce: list[str] | None = None
    trim: bool = True
    absent: list[str] = Field(default_factory=lambda: [""])
    split: str | None = None  # a regular expression
    case: Literal["lower", "upper", "title", "capitalize"] | None = None
    map: dict[str, Any] | None = None
    patterns: list[PatternSpec] | None = None
    all_patterns: bool = False  # every matching pattern contributes (default: the first)
    function: str | None = None
    parse: Literal["date", "integer", "number", "boolean", "text"] | None = None
    date_formats: list[str] = Field(default_factory=lambda: ["%Y-%m-%d"])
    on_miss: Literal["reject", "drop", "keep", "skip"] = "reject"
    differs_from: str | None = None  # absent when equal (ignoring case) to this field's value
    when: list[str] = Field(default_factory=list)  # absent unless all these fields are present
    unless: list[str] = Field(default_factory=list)  # absent when any of these is present
    required: bool = False
    on_missing: Literal["reject", "skip"] = "reject"
    reason: str | None = None  # replaces the default reason of a rejection or skip
    missing_reason: str | None = None  # for a required value that is absent (default: reason)

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        sources = [self.column, self.field, self.template, self.coalesce]
        given = sum(s is not None for s in sources) + (self.value is not None)
        if given != 1:
            raise ValueError("give exactly one of column, field, template, value, coalesce")
        return self


class DigestKey(_Strict):
    """Key parts folded into a short stable hash (long free-text keys would make long IRIs)."""

    digest: list[str]


class ConstKey(_Strict):
    const: str


KeyPart = str | DigestKey | ConstKey


class IriSpec(_Strict):
    """``mint(kind, *key)``: the same key values always give the same IRI."""

    kind: str
    key: list[KeyPart]


class PropSpec(_Strict):
    """A property value: a field, an entity's IRIs, a template or a constant."""

    field: str | None = None
    entity: str | None = None
    template: str | None = None
    value: Any = None
    optional: bool = False  # skip (with a notice) when the ontology lacks the property


class DeriveSpec(_Strict):
    """Add ``property`` to each object O of ``source`` such that (O ``via`` X) in the ontology.

    E.g. ``{property: restrictsRight, source: threatType, via: threatens}``: the rights an
    incident restricts follow from its threat type, sourced by the vocabulary, not guessed.
    """

    property: str
    source: str
    via: str


class EntitySpec(_Strict):
    """A node each row yields (or refers to, with ``ref``)."""

    class_: str | None = Field(default=None, alias="class")
    class_field: str | None = None  # a field whose value is the class name
    iri: IriSpec | None = None
    iri_field: str | None = None  # a field whose values are IRIs (e.g. mapped vocabulary terms)
    ref: bool = False  # an existing node: only its IRI is used
    each: str | None = None  # one node per item of this list field
    when: list[str] = Field(default_factory=list)  # fields that must be present
    label: list[str] = Field(default_factory=list)  # templates; the first fully present wins
    properties: dict[str, str | PropSpec | list[str | PropSpec]] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list)  # extra dcterms:source (fields/entities)
    preserve: list[str] = Field(default_factory=list)  # the store's value wins (see run.py)
    derive: list[DeriveSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> EntitySpec:
        if (self.iri is None) == (self.iri_field is None):
            raise ValueError("give exactly one of iri, iri_field")
        if not self.ref and self.class_ is None and self.class_field is None:
            raise ValueError("an entity that is not a ref needs class or class_field")
        if not self.ref and not self.label:
            raise ValueError("an entity that is not a ref needs a label template")
        return self


class FilterSpec(_Strict):
    """Rows where ``field`` has one of ``values`` are skipped (counted, not rejected)."""

    field: str
    values: list[Any]
    reason: str


class DuplicatesSpec(_Strict):
    """Rows whose main entity has the same IRI: ``reject`` the later ones, or keep the row with
    the greatest ``order_by`` field and report the others as superseded."""

    keep: Literal["reject", "latest"] = "reject"
    order_by: str | None = None


class RecordsSpec(_Strict):
    """Link each main entity (``csg:builtFrom``) to a ``csg:SourceRecord`` for every row it was
    built from, rows folded into it (``duplicates: keep: latest``) included, so a count of
    entities can be reconciled with a count of rows."""

    year: str | None = None  # the field with the year of the list (sheet) a row belongs to


class MappingSpec(_Strict):
    name: str
    title: str
    description: str = ""
    lang: str = "en"
    dataset: str  # IRI after csgid:, e.g. dataset/access-now-keepiton-stop
    turtle: list[str] = Field(default_factory=list)  # files beside the mapping, in every batch
    batch_rows: int = 25_000
    input: InputSpec
    lookups: dict[str, LookupSpec] = Field(default_factory=dict)
    fields: dict[str, FieldSpec]
    filters: list[FilterSpec] = Field(default_factory=list)
    main: str
    duplicates: DuplicatesSpec = Field(default_factory=DuplicatesSpec)
    records: RecordsSpec | None = None
    match: MatchSpec | None = None  # how a row finds an existing node (loaders/matching)
    snapshots: SnapshotSpec = Field(default_factory=SnapshotSpec)  # loaders/mapping/snapshots.py
    entities: dict[str, EntitySpec]
