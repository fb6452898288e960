"""A setting of the wrong form in the environment: one paragraph naming it, exit code 2."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from civicgraph.cli import main
from civicgraph.settings import get_settings


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Settings are read once per process: read them again for this test, and after it."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("CIVICGRAPH_BATCH_SIZE", "abc", "CIVICGRAPH_BATCH_SIZE='abc': Input should be a valid"),
        ("CIVICGRAPH_WRITE_RETRY_SECONDS", "0", "CIVICGRAPH_WRITE_RETRY_SECONDS='0': Input should"),
        ("CIVICGRAPH_API_TOKENS", "[oops", 'parsing value for field "civicgraph_api_tokens"'),
    ],
)
def test_a_bad_setting_is_one_paragraph(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str,
    said: str,
) -> None:  # fmt: skip
    monkeypatch.setenv(name, value)
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("civicgraph: ") and said in err, err
    assert err.count("\n") == 1 and "Traceback" not in err, err


def test_a_secret_setting_is_never_repeated(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CIVICGRAPH_API_TOKENS", '[{"token": "hunter2-secret"}]')
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert "CIVICGRAPH_API_TOKENS.0" in err and "hunter2" not in err, err
