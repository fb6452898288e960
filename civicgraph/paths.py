"""Where the project's own RDF lives, relative to the checkout so an editable install works."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"
REFERENCE_DIR = ROOT / "reference"
MAPPINGS_DIR = ROOT / "loaders" / "mappings"
NEO4J_DIR = ROOT / "neo4j"
GRAPHQL_SDL = ROOT / "graph_api" / "schema.graphql"


def ontology_files() -> list[Path]:
    """The ontology and its controlled vocabularies, in a stable order."""
    return sorted(ONTOLOGY_DIR.glob("*.ttl"))


def shape_files() -> list[Path]:
    return sorted(SHAPES_DIR.glob("*.ttl"))


def reference_files() -> list[Path]:
    return sorted(REFERENCE_DIR.glob("*.ttl"))
