"""Mapping files: the shipped ones load, and every name is checked against the ontology with an
error that names the file and the key (no store needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from loaders.mapping.load import MappingError, load_mapping, mapping_for_source

SHIPPED = ["keepiton", "unvotes", "civicus"]

MINIMAL = {
    "name": "example",
    "title": "Illustrative mapping",
    "dataset": "dataset/example",
    "main": "thing",
    "input": {"columns": ["code", "name"]},
    "fields": {"code": {"column": "code"}, "name": {"column": "name"}},
    "entities": {
        "thing": {
            "class": "Incident",
            "iri": {"kind": "incident", "key": ["code"]},
            "label": ["{name}"],
            "properties": {"placeName": "name"},
        }
    },
}


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def changed(**entity: object) -> dict:
    data = yaml.safe_load(yaml.safe_dump(MINIMAL))
    data["entities"]["thing"].update(entity)
    return data


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_mappings_load(name: str) -> None:
    mapping = load_mapping(mapping_for_source(name))
    assert mapping.spec.name == name


def test_optional_properties_missing_from_the_ontology_are_noticed_not_fatal() -> None:
    notices = " ".join(load_mapping(mapping_for_source("keepiton")).notices)
    for name in ("electionRelated", "violenceReported", "humanRightsAbuseReported"):
        if name in notices:
            assert "marked optional" in notices


def test_minimal_mapping_loads(tmp_path: Path) -> None:
    assert load_mapping(write(tmp_path, MINIMAL)).spec.main == "thing"


def test_unknown_class_names_file_key_and_hint(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as err:
        load_mapping(write(tmp_path, changed(**{"class": "Incidnt"})))
    message = str(err.value)
    assert "example.yaml" in message
    assert "entities.thing.class" in message
    assert "'Incidnt'" in message and "did you mean 'Incident'" in message


def test_unknown_property_names_file_key_and_hint(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as err:
        load_mapping(write(tmp_path, changed(properties={"startDat": "name"})))
    message = str(err.value)
    assert "example.yaml" in message
    assert "entities.thing.properties.startDat" in message
    assert "did you mean 'startDate'" in message


def test_property_outside_the_class_domain_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="'voteChoice' does not apply to class 'Incident'"):
        load_mapping(write(tmp_path, changed(properties={"voteChoice": "name"})))


def test_misspelt_mapping_key_is_refused(tmp_path: Path) -> None:
    data = changed()
    data["entities"]["thing"]["lable"] = ["{name}"]
    with pytest.raises(MappingError, match=r"entities\.thing\.lable"):
        load_mapping(write(tmp_path, data))


def test_field_used_before_it_is_defined(tmp_path: Path) -> None:
    data = changed()
    data["fields"] = {
        "upper": {"field": "name", "case": "upper"},
        "name": {"column": "name"},
        "code": {"column": "code"},
    }
    with pytest.raises(MappingError, match=r"fields\.upper\.field: no field 'name' defined before"):
        load_mapping(write(tmp_path, data))


def test_column_not_in_the_header_and_unknown_function(tmp_path: Path) -> None:
    data = changed()
    data["fields"]["name"] = {"column": "nmae", "function": "contry"}
    with pytest.raises(MappingError) as err:
        load_mapping(write(tmp_path, data))
    assert "'nmae' is not in input.columns" in str(err.value)
    assert "unknown function 'contry'" in str(err.value)


def test_unknown_source_lists_the_shipped_ones() -> None:
    with pytest.raises(MappingError, match="civicus"):
        mapping_for_source("nosuchsource")
