"""What the browser tests check on every page they stop at: its language and direction, its
weight, and axe-core's verdict. One browser context per person and language."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from support import ARTIFACTS, AXE

# Issue 11: no page of the app may weigh more than this, everything it loads included.
PAGE_BUDGET = 200_000


def serious_axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it stands."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]}))
             .violations.map(v => ({id: v.id, impact: v.impact,
               nodes: v.nodes.map(n => n.html + " " + n.failureSummary)}))"""
    )
    return [v for v in violations if v["impact"] in {"serious", "critical"}]


class CheckedContext:
    """A fresh browser context in one language whose pages are weighed as they load."""

    def __init__(self, browser, base: str, language: str) -> None:
        # axe is injected as an inline script, which the app's Content-Security-Policy
        # rightly forbids: only this test context bypasses it.
        self.context = browser.new_context(
            locale="ar-SY" if language == "ar" else "en-GB",
            viewport={"width": 1280, "height": 900},
            bypass_csp=True,
        )
        self.page = self.context.new_page()
        self.base = base
        self.language = language
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.weights: dict[str, int] = {}
        self.page.on("response", self._weigh)

    def _weigh(self, response) -> None:
        try:
            self.weights[response.url] = len(response.body())
        except Exception:  # noqa: BLE001 - a redirect or an aborted request has no body
            self.weights[response.url] = 0

    def check(self) -> None:
        """The page as it stands: its language and direction, its weight, axe's verdict."""
        self.page.wait_for_load_state("load")
        html = self.page.locator("html")
        assert html.get_attribute("lang") == self.language
        assert html.get_attribute("dir") == ("rtl" if self.language == "ar" else "ltr")
        weight = sum(self.weights.values())
        assert weight < PAGE_BUDGET, f"{self.page.url} weighs {weight} bytes"
        serious = serious_axe_violations(self.page)
        assert serious == [], f"{self.page.url}: {serious}"

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}-{self.language}.png"), full_page=True)


@contextmanager
def served(app: Any) -> Iterator[int]:
    """The app served by uvicorn on 127.0.0.1, in a thread of the test, on a free port:
    yields the port, and stops the server after."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the test server did not start within 15 s")
        time.sleep(0.05)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
