"""Live maps in Chromium: a viewer or embed following the latest data shows "The map was updated - show"
after another client saves, never moves by itself, and reloads onto the new revision when asked; an embed
pinned with rev= never changes. Waits are on the page's own flags, never on a timer."""
from __future__ import annotations

import httpx
import pytest

from tests.api.test_editor_api import change
from tests.conftest import OUTPUT, login

pytestmark = pytest.mark.browser


def save_as_another_client(server) -> int:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        c.headers["X-CSRF-Token"] = login(c)
        rev = c.get("/api/timeline").json()["revision"]
        r = c.post("/api/changes", json=change(rev, summary_en="Green moves"))
        assert r.status_code in (200, 201), r.text
        return r.json()["revision"]


@pytest.mark.parametrize("path, lang", [("/", "en"), ("/?lang=ar", "ar"), ("/embed", "en")])
def test_open_map_shows_the_update_notice_after_another_clients_save(mini_server, make_page, path, lang):
    page = make_page(390, 844) if lang == "ar" else make_page()
    page.goto(mini_server.url + path)
    page.wait_for_function("() => document.body.dataset.ready === '1' && document.body.dataset.follow === 'live'")
    notice = page.locator("#follow-notice")
    assert notice.count() == 0 or not notice.is_visible()
    page.evaluate("() => { window.__sameDocument = true; }")
    t_before = page.evaluate("() => document.body.dataset.instant || ''")
    new_rev = save_as_another_client(mini_server)
    page.wait_for_function(f"() => document.body.dataset.followUpdate === '{new_rev}'", timeout=15000)
    assert notice.is_visible()
    assert ("تم تحديث الخريطة" if lang == "ar" else "The map was updated") in notice.inner_text()
    # It never jumps by itself: no reload, the same instant.
    assert page.evaluate("() => window.__sameDocument === true")
    assert page.evaluate("() => document.body.dataset.instant || ''") == t_before
    page.screenshot(path=str(OUTPUT / f"follow-notice-{path.strip('/?').replace('=', '-') or 'viewer'}.png"))
    with page.expect_navigation():
        page.locator("#follow-notice .follow-show").click()
    page.wait_for_function("() => document.body.dataset.ready === '1' && document.body.dataset.follow === 'live'")
    assert page.evaluate("() => JSON.parse(document.body.dataset.config).revision") == new_rev
    assert not page.locator("#follow-notice").is_visible() if page.locator("#follow-notice").count() else True


def test_pinned_embed_never_changes(mini_server, make_page):
    pinned, live = make_page(), make_page()
    events = []
    pinned.on("request", lambda r: events.append(r.url) if "/api/events" in r.url or "/api/health" in r.url else None)
    pinned.goto(mini_server.url + "/embed?rev=1")
    live.goto(mini_server.url + "/embed")
    for p in (pinned, live):
        p.wait_for_function("() => document.body.dataset.ready === '1' && !!document.body.dataset.follow")
    assert pinned.evaluate("() => document.body.dataset.follow") == "pinned"
    new_rev = save_as_another_client(mini_server)
    # The live embed beside it hears of the save: by then the pinned one would have too, had it listened.
    live.wait_for_function(f"() => document.body.dataset.followUpdate === '{new_rev}'", timeout=15000)
    assert events == []
    assert pinned.locator("#follow-notice").count() == 0
    assert pinned.evaluate("() => document.body.dataset.followUpdate") is None
