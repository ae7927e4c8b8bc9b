"""/docs (Swagger UI) and /redoc (ReDoc) in Chromium: served from /vendor (npm at set-up), started by a static
script under the app's CSP. The page fixture fails on any console error (a CSP refusal is one) and refuses
every request off this machine (no CDN)."""
from __future__ import annotations


def test_swagger_ui_renders_the_operations(live_seed, page):
    r = page.goto(f"{live_seed.url}/docs")
    page.locator(".opblock").first.wait_for(timeout=30000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/timeline" in [p.replace("\u200b", "") for p in paths]
    assert page.locator(".opblock").count() >= 10
    # Started by static scripts the CSP allows ('self'), not an inline one: the page fixture would fail on the
    # CSP refusal, and every script here names its source on this server.
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert page.evaluate("() => document.body.dataset.kind") == "swagger"
    sources = page.eval_on_selector_all("script", "els => els.map(e => e.getAttribute('src'))")
    assert sources and all(s and s.startswith("/") for s in sources), sources
    page.locator(".opblock-summary").first.click()  # an operation opens (the UI is alive, not a static dump)
    page.locator(".opblock-body").first.wait_for()


def test_redoc_renders(live_seed, page):
    page.goto(f"{live_seed.url}/redoc")
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=30000)
    page.get_by_text("Frontline API").first.wait_for()
    assert page.locator("[data-section-id]").count() >= 10


def test_docs_pages_load_nothing_from_elsewhere(live_seed, page):
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    for path in ("/docs", "/redoc"):
        r = page.goto(f"{live_seed.url}{path}")
        assert "script-src 'self'" in r.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert seen and all(u.startswith(live_seed.url) or u.startswith(("data:", "blob:")) for u in seen), seen
