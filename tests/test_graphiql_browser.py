"""GraphiQL at GET /graphql works with no network but loopback (issue 7, item 8).

A real headless Chromium (Debian's ``chromium``, installed by ``.ci/run``) opens the page served
by a real ``civicgraph serve``. Chromium resolves no host name but 127.0.0.1 and sends everything
else to a closed loopback proxy port, so any CDN load fails; every request the page makes is
recorded and must stay on loopback. Chromium is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: NUL-separated JSON on fds 3 and 4), which needs no extra package.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import time
from base64 import b64decode
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.requests import Request

from graph_api.testing import serving
from graph_api.web import ide

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}
QUERY = "{ countries(first: 3) { totalCount nodes { id label } } }"
EDITOR = ".graphiql-query-editor .CodeMirror"
RESULT = ".graphiql-response .CodeMirror"
OFFLINE_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=127.0.0.1:9",
)


class Browser:
    """A DevTools-protocol session with one page of a headless Chromium."""

    def __init__(self, process: subprocess.Popen[bytes], send_fd: int, recv_fd: int) -> None:
        self.process, self.send_fd, self.recv_fd = process, send_fd, recv_fd
        self.buffer = b""
        self.events: list[dict[str, Any]] = []
        self.next_id = 0
        self.session: str | None = None

    def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if self.session and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self.send_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline - time.monotonic())
            if reply.get("id") == self.next_id:
                assert "error" not in reply, f"{method}: {reply['error']}"
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def _read(self, timeout: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            ready, _, _ = select.select([self.recv_fd], [], [], max(timeout, 0))
            assert ready, "Chromium did not answer in time"
            chunk = os.read(self.recv_fd, 1 << 20)
            assert chunk, "Chromium closed its DevTools pipe"
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return dict(json.loads(message))

    def open_page(self) -> None:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Network", "Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def evaluate(self, expression: str) -> Any:
        reply = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        assert "exceptionDetails" not in reply, reply["exceptionDetails"]
        return reply["result"].get("value")

    def wait_for(self, expression: str, what: str, timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        body = self.evaluate("document.body ? document.body.innerText.slice(0, 500) : ''")
        raise AssertionError(f"{what} within {timeout} s; page text: {body!r}; {self.problems()}")

    def click(self, selector: str) -> None:
        box = self.evaluate(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box[0],
                y=box[1],
                button="left",
                clickCount=1,
            )

    def select_all(self) -> None:
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                type=kind,
                modifiers=2,
                key="a",
                code="KeyA",
                windowsVirtualKeyCode=65,
            )

    def requested_urls(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def problems(self) -> list[str]:
        """Script exceptions, console errors and failed loads seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(params["entry"]["text"])
            elif method == "Network.loadingFailed":
                found.append(f"load failed: {params.get('errorText')}")
        return found

    def screenshot(self, path: Path) -> None:
        path.write_bytes(b64decode(self.call("Page.captureScreenshot", format="png")["data"]))


@contextmanager
def chromium(profile: Path) -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium package)")
    log = (profile.parent / "chromium.log").open("wb")
    to_browser, from_us = os.pipe()
    to_us, from_browser = os.pipe()
    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,800",
        f"--user-data-dir={profile}",
        "--remote-debugging-pipe",
        *OFFLINE_FLAGS,
    ]
    # bash, not sh: dash redirects only one-digit fds, and the pipes' fds may be higher.
    wrapper = f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}'
    process = subprocess.Popen(
        ["bash", "-c", wrapper, CHROMIUM, *args],
        pass_fds=(to_browser, from_browser),
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    os.close(to_browser)
    os.close(from_browser)
    browser = Browser(process, from_us, to_us)
    try:
        yield browser
    finally:
        with suppress(AssertionError, OSError):
            browser.call("Browser.close", timeout=5)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(from_us)
        os.close(to_us)
        log.close()


@pytest.mark.neo4j
def test_graphiql_runs_a_typed_query_offline(store, neo4j_uri: str, tmp_path: Path):
    with serving(neo4j_uri, tmp_path / "serve.log") as base, chromium(tmp_path / "p") as browser:
        browser.open_page()
        blocked = browser.evaluate(
            "fetch('http://offline-check.example/').then(() => 'reached', () => 'blocked')"
        )
        assert blocked == "blocked", "the browser is not offline, so the test would prove nothing"
        browser.events.clear()
        browser.call("Page.navigate", url=f"{base}/graphql")
        browser.wait_for(f"!!document.querySelector('{EDITOR}')", "the query editor rendered")
        browser.click(EDITOR)
        browser.select_all()
        browser.call("Input.insertText", text=QUERY)
        typed = browser.evaluate(f"document.querySelector('{EDITOR}').CodeMirror.getValue()")
        assert typed == QUERY
        browser.click(".graphiql-execute-button")
        shown = browser.wait_for(
            f"document.querySelector('{RESULT}').CodeMirror.getValue()", "a result was shown"
        )
        browser.screenshot(tmp_path / "graphiql.png")
        expected = httpx.post(f"{base}/graphql", json={"query": QUERY}, timeout=10).json()
        urls = browser.requested_urls()
        problems = browser.problems()
    assert json.loads(shown)["data"] == expected["data"]
    assert expected["data"]["countries"]["totalCount"] > 0
    left = [
        url
        for url in urls
        if urlsplit(url).scheme != "data" and urlsplit(url).hostname not in LOOPBACK
    ]
    assert not left, f"requests left loopback: {left}"
    assert f"{base}/graphiql/graphiql.js" in urls
    assert not problems, problems


async def test_page_loads_only_local_assets(api):
    response = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text
    assert "https://" not in response.text and "http://" not in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for name in ide.ASSETS:
        assert f'"/graphiql/{name}"' in response.text


async def test_only_named_assets_are_served(api):
    assert not ide.missing_assets(), "GraphiQL's assets are not installed: run make install"
    served = await api.client.get("/graphiql/graphiql.js")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    for name in ("package.json", "..%2Fpackage.json", "node_modules%2Freact%2Fpackage.json"):
        assert (await api.client.get(f"/graphiql/{name}")).status_code == 404


def test_missing_assets_say_how_to_install(tmp_path: Path):
    (tmp_path / "index.html").write_text("<p>{assets}</p>")
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/graphql",
        "headers": [],
        "query_string": b"",
    }
    response = ide.page(Request(scope), tmp_path)
    assert response.status_code == 503
    body = bytes(response.body).decode()
    assert "make install" in body and "graphiql.min.js" in body
