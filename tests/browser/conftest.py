"""Browser fixtures: Playwright for Python driving Debian's Chromium, seeing what a person sees.

Every page fails its test on a console error, an uncaught exception or a failed request to the app. Requests
to anything but this machine are refused (no tiles from the internet: the map must still show the base
geography the project ships). Screenshots go to test-output/.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import OUTPUT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")


@pytest.fixture(scope="session")
def browser():
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class PageProblems(list):
    def check(self):
        assert not self, "the page logged problems:\n" + "\n".join(self)


def _page(browser, width=1280, height=800, **ctx):
    context = browser.new_context(viewport={"width": width, "height": height}, **ctx)
    page = context.new_page()
    problems = PageProblems()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(LOCAL) else r.abort())
    page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    # ERR_ABORTED is a request the page itself cancelled (a frame navigated away mid-load), not a failure.
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}")
            if r.url.startswith(LOCAL[:2]) and "ERR_ABORTED" not in (r.failure or "") else None)
    page.on("dialog", lambda d: (problems.append(f"dialog opened: {d.message}"), d.dismiss()))
    page.problems = problems
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page(browser)
    yield page
    context.close()
    page.problems.check()


@pytest.fixture
def make_page(browser):
    """Pages of other sizes (phone: 390x844) or with context options; each checked for problems."""
    made = []

    def make(width=1280, height=800, **ctx):
        context, page = _page(browser, width, height, **ctx)
        made.append((context, page))
        return page
    yield make
    for context, page in made:
        context.close()
        page.problems.check()


class _SiteServer:
    """A static file server on 127.0.0.1 for a baked site, with a listen backlog Chromium's parallel module
    requests cannot overflow."""

    def __init__(self, directory):
        import functools
        import http.server
        import threading

        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
        handler.log_message = lambda *a, **k: None
        server_class = type("Server", (http.server.ThreadingHTTPServer,), {"request_queue_size": 128})
        self.httpd = server_class(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def site_server():
    """Serve a folder: `site_server(folder).url`. Name it before `make_page`/`page` in a test's arguments: set up
    first, it stops after their pages have closed, so no request of a page still loading (a share preview's
    frame, say) is cut off by the server going away."""
    servers = []

    def start(directory):
        servers.append(_SiteServer(directory))
        return servers[-1]
    yield start
    for s in servers:
        s.stop()
