"""Not a test: screenshots of every editor screen (run explicitly: pytest tests/browser/look_editor.py)."""
import os

from tests.conftest import ADMIN, EDITOR

OUT = os.environ.get("LOOK_OUT", "/tmp/editor-look")


def shot(page, name):
    page.screenshot(path=f"{OUT}/{name}.png", full_page=False)


def sign(page, server, user, path):
    page.goto(server.url + "/login?next=" + path)
    page.fill("#username", user[0])
    page.fill("#password", user[1])
    page.click("button[type=submit]")
    page.wait_for_url("**" + path.split("?")[0] + "*")


def test_look(make_page, seed_server):
    for lang in ("en", "ar"):
        for w, h in ((1280, 800), (390, 844)):
            tag = f"{lang}-{w}"
            page = make_page(w, h)
            page.goto(seed_server.url + f"/login?lang={lang}")
            shot(page, f"login-{tag}")
            sign(page, seed_server, EDITOR, f"/editor?lang={lang}")
            page.wait_for_selector("body[data-ready='1']")
            shot(page, f"editor-{tag}")
            page.select_option("#zone-faction", "saa")
            page.click("#zone-edit")
            shot(page, f"editor-zone-{tag}")
            page.keyboard.press("Escape")
            page.fill("#place-q", "Saraqib")
            page.press("#place-q", "Enter")
            page.wait_for_timeout(500)
            shot(page, f"editor-search-{tag}")
            page.click("#tab-history")
            page.wait_for_timeout(300)
            shot(page, f"editor-history-{tag}")
            page.click("#tab-places")
            shot(page, f"editor-places-{tag}")
            page.goto(seed_server.url + f"/admin?lang={lang}")
            shot(page, f"admin-refused-{tag}")
            page.problems[:] = [p for p in page.problems if "status of 403" not in p]
            adm = make_page(w, h)
            sign(adm, seed_server, ADMIN, f"/admin?lang={lang}")
            adm.wait_for_selector("body[data-ready='1']")
            adm.fill("#a-name", "nadia" + tag.replace("-", ""))
            adm.click("#a-add")
            adm.wait_for_selector("#secret:not([hidden])")
            shot(adm, f"admin-{tag}")
