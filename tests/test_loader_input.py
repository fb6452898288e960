"""Reading RDF: every syntax gives the same graph; bad input fails with the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from civicgraph.errors import CivicGraphError
from loaders.rdf_input import parse, rdf_files, sha256_of, syntax_for

FIXTURES = Path(__file__).parent / "fixtures" / "loader"
SYNTAXES = ("ttl", "nt", "nq", "trig", "jsonld", "rdf")


@pytest.mark.parametrize("ext", SYNTAXES)
def test_every_syntax_reads_to_the_same_graph(ext: str) -> None:
    reference = parse(FIXTURES / "base.ttl")
    parse(FIXTURES / "incidents.ttl", into=reference)
    graph = parse(FIXTURES / f"example.{ext}")
    assert len(graph) == len(reference) > 60
    assert isomorphic(graph, reference)


def test_explicit_format_overrides_the_extension(tmp_path: Path) -> None:
    copy = tmp_path / "example.data"
    copy.write_bytes((FIXTURES / "example.nt").read_bytes())
    assert len(parse(copy, "ntriples")) == len(parse(FIXTURES / "example.nt"))
    assert syntax_for(copy, "application/ld+json").name == "JSON-LD"


def test_malformed_turtle_names_file_line_and_column() -> None:
    with pytest.raises(CivicGraphError) as caught:
        parse(FIXTURES / "malformed.ttl")
    message = str(caught.value)
    assert "malformed.ttl:6:" in message
    assert "not valid Turtle" in message
    assert 'rdfs:label "Example broken incident"@en ;;; ,' in message  # the offending line
    assert "Traceback" not in message


def test_malformed_ntriples_and_jsonld_name_the_line(tmp_path: Path) -> None:
    nt = tmp_path / "bad.nt"
    nt.write_text('<https://example.org/a> <https://example.org/p> "x" .\n<a> <b> broken .\n')
    with pytest.raises(CivicGraphError, match=r"bad\.nt:2:\d+: not valid N-Triples"):
        parse(nt)
    jsonld = tmp_path / "bad.jsonld"
    jsonld.write_text('{"@id": "https://example.org/a",\n "https://example.org/p": [1, }\n')
    with pytest.raises(CivicGraphError, match=r"bad\.jsonld:2:\d+: not valid JSON-LD"):
        parse(jsonld)


def test_malformed_rdfxml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rdf"
    bad.write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="https://example.org/a">\n</rdf:RDF>\n'
    )
    with pytest.raises(CivicGraphError, match=r"bad\.rdf.*not valid RDF/XML") as caught:
        parse(bad)
    assert ":3" in str(caught.value)  # the line, from rdflib's XML parser when oxigraph has none


def test_unknown_extension_and_unknown_format(tmp_path: Path) -> None:
    odd = tmp_path / "data.csv"
    odd.write_text("a,b\n")
    with pytest.raises(CivicGraphError, match=r"data\.csv: unknown RDF extension '\.csv'"):
        parse(odd)
    with pytest.raises(CivicGraphError, match="unknown RDF format 'yaml'"):
        parse(FIXTURES / "base.ttl", "yaml")


def test_missing_file_and_directory_as_file(tmp_path: Path) -> None:
    with pytest.raises(CivicGraphError, match=r"nope\.ttl: no such file"):
        parse(tmp_path / "nope.ttl")
    with pytest.raises(CivicGraphError, match="is a directory"):
        parse(tmp_path)


def test_directories_expand_to_their_rdf_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.ttl", "a.nt", "sub/c.jsonld", "notes.txt"):
        (tmp_path / name).write_text("")
    found = rdf_files([tmp_path, tmp_path / "a.nt"])
    assert [p.name for p in found] == ["a.nt", "b.ttl", "c.jsonld"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CivicGraphError, match="holds no RDF files"):
        rdf_files([empty])


def test_checksum_is_of_the_bytes() -> None:
    assert sha256_of(FIXTURES / "example.ttl") != sha256_of(FIXTURES / "example.nt")
    assert len(sha256_of(FIXTURES / "example.ttl")) == 64
