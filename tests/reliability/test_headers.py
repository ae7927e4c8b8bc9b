"""Security headers on every page; framing only where it is meant; no stack traces or SQL in errors."""
import pytest


@pytest.fixture(scope="module")
def http(live_mini):
    with live_mini.client() as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/embed", "/login", "/editor", "/api/timeline", "/ogc/", "/docs", "/api/nope"])
def test_security_headers_everywhere(http, path):
    r = http.get(path, follow_redirects=False)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    if path == "/embed":
        assert "frame-ancestors *" in csp and "x-frame-options" not in r.headers
    else:
        assert "frame-ancestors 'none'" in csp and r.headers["x-frame-options"] == "DENY"


def test_errors_carry_no_internals(http):
    for path in ("/api/snapshot?at=%27%3B%20DROP%20TABLE%20x", "/ogc/collections/control_zones/items/1%27", "/api/point?lat=1&lon=1&at=x"):
        r = http.get(path)
        assert 400 <= r.status_code < 500
        for leak in ("Traceback", "sqlalchemy", "psycopg", "FROM control", "File \""):
            assert leak not in r.text


def test_nul_and_oversized_query_refused(http):
    assert http.get("/api/places?q=%00").status_code == 422
    assert http.get("/api/places?q=" + "a" * 9000).status_code == 414


def test_session_cookie_flags(live_mini):
    from tests.conftest import EDITOR
    live_mini.reset()
    with live_mini.client() as c:
        r = c.post("/login", data={"username": EDITOR[0], "password": EDITOR[1]})
        cookies = r.headers.get_list("set-cookie")
        session = [h for h in cookies if h.startswith("frontline_session=")][0].lower()
        csrf = [h for h in cookies if h.startswith("csrf_token=")][0].lower()
        assert "httponly" in session and "samesite=strict" in session
        assert "httponly" not in csrf
    live_mini.reset()
