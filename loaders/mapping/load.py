"""Reading a mapping file and checking every name in it before a single row is read.

Class and property names come from ``civicgraph.model.Ontology``; a misspelt one is an error that
names the mapping file and the key (``entities.incident.properties.startDat``), with the closest
ontology name as a hint. Catching this up front matters because a wrong name would otherwise
surface as thousands of identical row rejections, or worse, as data quietly left out.
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from pydantic import ValidationError

from civicgraph.errors import CivicGraphError
from civicgraph.model import Ontology, OntProperty
from civicgraph.paths import MAPPINGS_DIR
from loaders.mapping.functions import FUNCTIONS
from loaders.mapping.spec import (
    ConstKey,
    DigestKey,
    EntitySpec,
    MappingSpec,
    PropSpec,
)


class MappingError(CivicGraphError):
    """A mapping file that cannot be used as written."""

    exit_code = 2


@dataclass(frozen=True)
class Mapping:
    """A checked mapping: its spec, where it lives, and the notices found while checking."""

    spec: MappingSpec
    path: Path
    notices: tuple[str, ...] = field(default=())

    @property
    def folder(self) -> Path:
        return self.path.parent


def shipped(name: str) -> Path:
    """The path of a mapping shipped in ``loaders/mappings/`` (``keepiton`` -> keepiton.yaml)."""
    path = MAPPINGS_DIR / f"{name}.yaml"
    if not path.is_file():
        names = sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))
        raise MappingError(f"no shipped mapping {name!r}; choose one of: {', '.join(names)}")
    return path


def load_mapping(path: Path, ontology: Ontology | None = None) -> Mapping:
    """Parse and check ``path``; raises ``MappingError`` naming the file and the key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"mapping {path}: cannot read it: {exc}") from exc
    try:
        spec = MappingSpec.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise MappingError(f"mapping {path.name}: {problems}") from exc
    checker = _Checker(spec, path, ontology or Ontology.get())
    checker.check()
    if checker.errors:
        raise MappingError(f"mapping {path.name}: " + "; ".join(checker.errors))
    return Mapping(spec, path, tuple(checker.notices))


def template_names(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


class _Checker:
    def __init__(self, spec: MappingSpec, path: Path, ontology: Ontology) -> None:
        self.spec = spec
        self.path = path
        self.ont = ontology
        self.errors: list[str] = []
        self.notices: list[str] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append(f"{key}: {message}")

    def hint(self, name: str, choices: list[str]) -> str:
        close = difflib.get_close_matches(name, choices, n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def check(self) -> None:
        self.check_fields()
        for name, entity in self.spec.entities.items():
            self.check_entity(name, entity)
        if self.spec.main not in self.spec.entities:
            self.error("main", f"no entity named {self.spec.main!r}")
        for i, flt in enumerate(self.spec.filters):
            self.need_field(f"filters.{i}.field", flt.field)
        if self.spec.duplicates.order_by:
            self.need_field("duplicates.order_by", self.spec.duplicates.order_by)
        if self.spec.records and self.spec.records.year:
            self.need_field("records.year", self.spec.records.year)
        self.check_match()
        for extra in self.spec.turtle:
            if not (self.path.parent / extra).is_file():
                self.error("turtle", f"no file {extra!r} beside the mapping")

    def check_match(self) -> None:
        """A match rule compares nodes of one class: the main entity must be of it."""
        from loaders.matching.spec import KIND_CLASS

        match, main = self.spec.match, self.spec.entities.get(self.spec.main)
        if match is None or main is None:
            return
        wanted = KIND_CLASS[match.kind]
        if main.class_ != wanted:
            self.error("match.kind", f"a {match.kind} rule needs a main entity of class {wanted!r}")

    def need_field(self, key: str, name: str, before: list[str] | None = None) -> None:
        known = before if before is not None else list(self.spec.fields)
        if name not in known:
            self.error(key, f"no field {name!r} defined before it{self.hint(name, known)}")

    def check_fields(self) -> None:
        columns = set(self.spec.input.columns)
        lookups = self.spec.lookups
        seen: list[str] = []
        for name, lookup in lookups.items():
            if lookup.key not in lookup.input.columns:
                self.error(f"lookups.{name}.key", f"{lookup.key!r} is not among its columns")
            for col in lookup.where:
                if col not in lookup.input.columns:
                    self.error(f"lookups.{name}.where", f"{col!r} is not among its columns")
            if lookup.key_function and lookup.key_function not in FUNCTIONS:
                hint = self.hint(lookup.key_function, list(FUNCTIONS))
                self.error(
                    f"lookups.{name}.key_function",
                    f"unknown function {lookup.key_function!r}{hint}",
                )
        filename_groups = _groups(self.spec.input.filename_pattern)
        seen.extend(filename_groups)
        for name, fld in self.spec.fields.items():
            key = f"fields.{name}"
            if fld.column is not None:
                table, _, col = fld.column.rpartition(".")
                if table:
                    if table not in lookups:
                        self.error(f"{key}.column", f"no lookup named {table!r}")
                    elif col not in lookups[table].input.columns:
                        self.error(f"{key}.column", f"lookup {table!r} has no column {col!r}")
                elif col not in columns:
                    self.error(f"{key}.column", f"{col!r} is not in input.columns")
            for ref in [r for r in (fld.field, fld.differs_from, *fld.when, *fld.unless) if r]:
                self.need_field(f"{key}.field", ref, seen)
            for ref in fld.coalesce or []:
                self.need_field(f"{key}.coalesce", ref, seen)
            for ref in template_names(fld.template or ""):
                self.need_field(f"{key}.template", ref, seen)
            if fld.function and fld.function not in FUNCTIONS:
                hint = self.hint(fld.function, list(FUNCTIONS))
                self.error(f"{key}.function", f"unknown function {fld.function!r}{hint}")
            seen.append(name)
        for name, lookup in lookups.items():
            self.need_field(f"lookups.{name}.by", lookup.by, seen)

    def classes_of(self, key: str, entity: EntitySpec) -> list[str]:
        names: list[str] = []
        if entity.class_:
            names.append(entity.class_)
        if entity.class_field:
            self.need_field(f"{key}.class_field", entity.class_field)
            fld = self.spec.fields.get(entity.class_field)
            if fld is not None:
                names.extend(str(v) for v in (fld.map or {}).values() if v)
        for cls in names:
            if cls not in self.ont.classes:
                hint = self.hint(cls, list(self.ont.classes))
                self.error(f"{key}.class", f"the ontology has no class {cls!r}{hint}")
        return [c for c in names if c in self.ont.classes]

    def check_entity(self, name: str, entity: EntitySpec) -> None:
        key = f"entities.{name}"
        classes = self.classes_of(key, entity)
        for part in entity.iri.key if entity.iri else []:
            for ref in _key_fields(part):
                self.need_field(f"{key}.iri.key", ref)
        for ref in [r for r in (entity.iri_field, entity.each, *entity.when) if r]:
            self.need_field(key, ref)
        for template in entity.label:
            for ref in template_names(template):
                self.need_field(f"{key}.label", ref)
        for prop_name, values in entity.properties.items():
            self.check_property(f"{key}.properties.{prop_name}", prop_name, values, classes)
        for src in entity.sources:
            self.need_ref(f"{key}.sources", src)
        for prop_name in entity.preserve:
            if prop_name not in self.ont.properties:
                self.error(f"{key}.preserve", f"the ontology has no property {prop_name!r}")
        for i, derive in enumerate(entity.derive):
            for attr in ("property", "source", "via"):
                prop = getattr(derive, attr)
                if prop not in self.ont.properties:
                    self.error(f"{key}.derive.{i}.{attr}", f"the ontology has no property {prop!r}")

    def need_ref(self, key: str, ref: str) -> None:
        if ref not in self.spec.fields and ref not in self.spec.entities:
            choices = [*self.spec.fields, *self.spec.entities]
            self.error(key, f"no field or entity named {ref!r}{self.hint(ref, choices)}")

    def check_property(self, key: str, name: str, values: object, classes: list[str]) -> None:
        items = values if isinstance(values, list) else [values]
        optional = any(isinstance(v, PropSpec) and v.optional for v in items)
        prop = self.ont.properties.get(name)
        if prop is None:
            if optional:
                self.notices.append(
                    f"{self.path.name}: {key}: the ontology has no property {name!r} yet; "
                    "its values are not loaded (marked optional)"
                )
                return
            hint = self.hint(name, list(self.ont.properties))
            self.error(key, f"the ontology has no property {name!r}{hint}")
            return
        for cls in classes:
            if not self.ont.applies_to(prop, cls):
                self.error(key, f"{name!r} does not apply to class {cls!r} ({_domain(prop)})")
        for value in items:
            if isinstance(value, str):
                self.need_ref(key, value)
            elif not isinstance(value, PropSpec):
                self.error(key, f"unexpected value {value!r}")
            elif value.field or value.entity:
                self.need_ref(key, value.field or value.entity or "")
            elif value.template:
                for ref in template_names(value.template):
                    self.need_field(key, ref)


def _domain(prop: OntProperty) -> str:
    return "its domain is " + ", ".join(prop.domains) if prop.domains else "it has no domain"


def _key_fields(part: object) -> list[str]:
    if isinstance(part, str):
        return [part]
    if isinstance(part, DigestKey):
        return list(part.digest)
    assert isinstance(part, ConstKey)
    return []


def _groups(pattern: str | None) -> list[str]:
    return list(re.compile(pattern).groupindex) if pattern else []


def mapping_for_source(name_or_path: str) -> Path:
    """``keepiton`` -> the shipped mapping; a path to a ``.yaml`` file is used as given."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        if not candidate.is_file():
            raise MappingError(f"no mapping file {candidate}")
        return candidate
    return shipped(name_or_path)


_SUFFIXES = {"csv": (".csv", ".tsv", ".txt"), "xlsx": (".xlsx", ".xlsm"), "json": (".json",)}


def resolve_table(mapping: Mapping, path: Path) -> Path:
    """The main table of a load given ``path``: the file itself, or, for a folder (the UN votes
    come as a folder of three files), the ``input.file`` the mapping names, else the one file of
    the mapping's format in it that is not a lookup. Raises ``TableError`` naming the folder."""
    from loaders.mapping.readers import TableError

    if not path.exists():
        raise TableError(f"{path}: no such file or folder (the {mapping.spec.name} table)")
    if not path.is_dir():
        return path
    spec = mapping.spec.input
    if spec.file:
        table = path / spec.file
        if not table.is_file():
            raise TableError(
                f"{path}: the folder has no {spec.file} (the {mapping.spec.name} table)"
            )
        return table
    lookups = {lk.path for lk in mapping.spec.lookups.values()}
    found = sorted(
        p
        for p in path.iterdir()
        if p.is_file() and p.suffix.lower() in _SUFFIXES[spec.format] and p.name not in lookups
    )
    if len(found) != 1:
        listed = ", ".join(p.name for p in found) or "none"
        raise TableError(
            f"{path}: a folder must hold exactly one {spec.format} table besides the lookups "
            f"(found: {listed}); give the table's path instead"
        )
    return found[0]


def with_sheet(mapping: Mapping, table: Path, sheet: str) -> Mapping:
    """The mapping reading ``sheet`` of the workbook ``table`` (``--sheet``); a sheet named for
    a file that is not a workbook is an error rather than ignored."""
    from loaders.mapping.readers import TableError, real_format

    found = real_format(table, mapping.spec.input.format) if table.is_file() else "xlsx"
    if found != "xlsx":
        raise TableError(f"{table}: --sheet {sheet!r} names a sheet of a workbook; this is {found}")
    spec_input = mapping.spec.input.model_copy(update={"sheet": sheet})
    return replace(mapping, spec=mapping.spec.model_copy(update={"input": spec_input}))


__all__ = [
    "MAPPINGS_DIR",
    "Mapping",
    "MappingError",
    "load_mapping",
    "mapping_for_source",
    "resolve_table",
    "with_sheet",
]
