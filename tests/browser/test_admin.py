"""The accounts page (/admin) in a real browser: an admin adds an editor (the generated password shown once),
disables an account (its open session ends at once), resets a password; an editor is refused."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.conftest import ADMIN, EDITOR, OUTPUT


def sign_in_as(page, server, user, path="/admin"):
    page.goto(server.url + path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("#username", user[0])
    page.fill("#password", user[1])
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


def test_an_editor_is_refused(page, mini_server):
    sign_in_as(page, mini_server, EDITOR, "/editor")
    expect(page.locator(".ed-nav a[href='/admin']")).to_have_count(0)  # no link for editors
    with page.expect_response(lambda r: r.url.endswith("/admin")) as resp:
        page.goto(mini_server.url + "/admin")
    assert resp.value.status == 403
    expect(page.locator("#refused")).to_contain_text("Only admins")
    expect(page.locator("#users")).to_have_count(0)
    page.problems[:] = [p for p in page.problems if "status of 403" not in p]


def test_admin_adds_disables_and_resets(make_page, mini_server):
    admin = make_page()
    sign_in_as(admin, mini_server, ADMIN)
    admin.wait_for_selector("body[data-ready='1']")
    expect(admin.locator("#users tbody tr")).to_have_count(2)

    # Add an editor with a generated password: shown once, and it signs in.
    admin.fill("#a-name", "samira")
    with admin.expect_response(lambda r: r.url.endswith("/api/admin/users") and r.request.method == "POST") as resp:
        admin.click("#a-add")
    assert resp.value.status == 201
    expect(admin.locator("#secret")).to_be_visible()
    password = admin.locator("#secret-password").inner_text()
    assert len(password) >= 16
    expect(admin.locator("#users tr[data-user='samira']")).to_contain_text("active")
    admin.screenshot(path=str(OUTPUT / "admin-added.png"))
    admin.click("#secret-done")
    expect(admin.locator("#secret")).to_be_hidden()
    expect(admin.locator("#secret-password")).to_be_empty()

    samira = make_page()
    sign_in_as(samira, mini_server, ("samira", password), "/editor")
    samira.wait_for_selector("body[data-ready='1']")

    # Disable her: her open session ends at once.
    row = admin.locator("#users tr[data-user='samira']")
    with admin.expect_response(lambda r: "/api/admin/users/" in r.url and r.request.method == "PATCH"):
        row.locator("[data-action=disable]").click()
    expect(admin.locator("#users tr[data-user='samira']")).to_contain_text("disabled")
    expect(admin.locator("#status")).to_contain_text("signed out everywhere")
    me = samira.evaluate("() => fetch('/api/me').then(r => r.json())")
    assert me == {"user": None}
    samira.goto(mini_server.url + "/editor")
    expect(samira).to_have_url(re.compile(r"/login"))

    # Enable her and reset her password with one the admin chooses; the old one stops working.
    admin.locator("#users tr[data-user='samira'] [data-action=enable]").click()
    expect(admin.locator("#users tr[data-user='samira']")).to_contain_text("active")
    row = admin.locator("#users tr[data-user='samira']")
    row.locator("[data-action=reset]").click()
    row.locator("input[type=password]").fill("a-new-password-9")
    with admin.expect_response(lambda r: r.url.endswith("/password")) as resp:
        row.locator("[data-action=confirm-reset]").click()
    assert resp.value.status == 200
    expect(admin.locator("#status")).to_contain_text("sessions have ended")
    expect(admin.locator("#secret")).to_be_hidden()  # chosen by the admin: nothing to show

    # Reset with a generated password: shown once.
    row = admin.locator("#users tr[data-user='editor1']")
    row.locator("[data-action=reset]").click()
    row.locator("[data-action=confirm-reset]").click()
    expect(admin.locator("#secret")).to_be_visible()
    expect(admin.locator("#secret-text")).to_contain_text("editor1")

    # The role: editor1 becomes an admin.
    admin.locator("#users tr[data-user='editor1'] select").select_option("admin")
    expect(admin.locator("#status")).to_contain_text("editor1 is now admin")

    fresh = make_page()
    fresh.goto(mini_server.url + "/login")
    fresh.fill("#username", "samira")
    fresh.fill("#password", password)
    fresh.click("button[type=submit]")
    expect(fresh.locator("#login-error")).to_have_text("Wrong user name or password.")
    fresh.fill("#username", "samira")
    fresh.fill("#password", "a-new-password-9")
    fresh.click("button[type=submit]")
    expect(fresh).to_have_url(re.compile(r"/editor$"))
    # Our own account cannot be disabled or demoted from here.
    mine = admin.locator(f"#users tr[data-user='{ADMIN[0]}']")
    expect(mine.locator("[data-action=disable]")).to_have_count(0)
    expect(mine.locator("select")).to_be_disabled()
