"""One typed settings object, read once from the environment (names users already know)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from civicgraph.errors import ConfigurationError
from civicgraph.paths import ROOT

# Settings whose values are never repeated in an error message.
SECRET = frozenset({"neo4j_password", "civicgraph_api_tokens"})


class Settings(BaseSettings):
    """Configuration for the store, the local Neo4j and the API.

    When ``NEO4J_URI`` is set, that server is used and no local Neo4j is started.
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    neo4j_uri: str | None = Field(default=None, description="Bolt URI of an external Neo4j")
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"

    civicgraph_home: Path = Field(
        default=ROOT / "var", description="Local state: Neo4j jars, data, logs"
    )
    civicgraph_bolt_host: str = "127.0.0.1"
    civicgraph_bolt_port: int = 7687
    civicgraph_neo4j_heap: str = "1g"
    civicgraph_neo4j_pagecache: str = "512m"
    civicgraph_neo4j_start_timeout: float = 120.0

    civicgraph_api_host: str = "127.0.0.1"
    civicgraph_api_port: int = 8000
    civicgraph_api_tokens: list[SecretStr] = Field(default_factory=list)
    civicgraph_query_timeout: float = 10.0
    civicgraph_max_page_size: int = 100
    civicgraph_api_workers: int | None = Field(
        default=None,
        description="API worker processes; unset: one per core (at most 4), one on a single core",
    )
    civicgraph_max_text_length: int = Field(
        default=200, description="Longest text a search or `text` filter accepts (characters)"
    )
    civicgraph_max_text_searches: int = Field(
        default=10, description="Text searches one API request may run, aliases included"
    )

    civicgraph_batch_size: int = 5000
    civicgraph_write_retry_seconds: float = Field(
        default=30.0,
        gt=0,
        description="how long a write retries a lost connection or a transient error before the "
        "load fails (the driver's own default); a failed load is rolled back by the next",
    )

    @property
    def local(self) -> bool:
        """True when the project manages its own Neo4j."""
        return self.neo4j_uri is None

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://{self.civicgraph_bolt_host}:{self.civicgraph_bolt_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, read once; a value of the wrong form names its variable and why (a
    ``ConfigurationError``, one paragraph on the command line), never a traceback."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(invalid_settings(exc)) from None
    except SettingsError as exc:  # a list setting that is not JSON
        raise ConfigurationError(f"a setting in the environment cannot be read: {exc}") from None


def invalid_settings(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        name = ".".join(str(x) for x in error["loc"])
        shown = "" if name.split(".")[0] in SECRET else f"={error.get('input')!r}"
        parts.append(f"{name.upper()}{shown}: {error['msg']}")
    return "invalid setting in the environment: " + "; ".join(parts) + "."
