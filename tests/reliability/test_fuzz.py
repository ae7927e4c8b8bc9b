"""Schemathesis against the app's own /openapi.json over real HTTP: every operation, a bounded number of
examples each, no 5xx and responses that match the schema. Signed in as an editor with the CSRF header, so
the write operations are exercised past authentication (the mini data set is reset afterwards).

Before the fuzzing, a save and its revert, then hostile text written around the API into every kind of stored
text (summaries, report titles and publishers, faction, place and data set names: U+FFFE, U+FFFF, C0
controls, an unassigned code point), as an old database or a hand edit may hold: no response may fail on it."""
import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from tests.api.test_editor_api import change, pg_url, revision
from tests.conftest import login

schema = schemathesis.from_pytest_fixture("api_schema")


@pytest.fixture(scope="module")
def fuzz_server(live_mini):
    live_mini.reset()
    with live_mini.client() as c:
        token = login(c)
        cookies = dict(c.cookies)
        r = c.post("/api/changes", json=change(revision(c), summary_en="A change to fuzz around"), headers={"X-CSRF-Token": token})
        assert r.status_code == 201, r.text
        rev = r.json()["revision"]
        r = c.post(f"/api/revisions/{rev}/revert", json={"base_revision": rev}, headers={"X-CSRF-Token": token})
        assert r.status_code == 200, r.text
    with psycopg.connect(pg_url(live_mini)) as conn:
        conn.execute("UPDATE control_changes SET summary_en = coalesce(summary_en, '') || %s, summary_ar = coalesce(summary_ar, '') || %s",
                     ("\ufffe\x01", "\uffff"))
        conn.execute("UPDATE reports SET title = title || %s, publisher = publisher || %s", ("\ufffe\x03", "\uffff"))
        conn.execute("UPDATE factions SET name_en = name_en || %s, name_ar = name_ar || %s", ("\ufffe", "\uffff\u0378"))
        conn.execute("UPDATE places SET name_en = name_en || %s, name_ar = name_ar || %s", ("\uffff", "\x04"))
        conn.execute("UPDATE dataset SET title_en = title_en || %s, title_ar = title_ar || %s", ("\x05\ufffe", "\uffff"))
    live_mini.readmodel.clear()
    yield live_mini, {"X-CSRF-Token": token, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    live_mini.reset()


@pytest.fixture
def api_schema(fuzz_server):
    server, _ = fuzz_server
    # FastAPI emits OpenAPI 3.1; schemathesis 3 reads it with its 3.0 machinery (the shapes used here are the same).
    return schemathesis.from_uri(f"{server.url}/openapi.json", base_url=server.url, force_schema_version="30")


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_matches_its_schema(case, fuzz_server):
    server, headers = fuzz_server
    if case.path == "/logout":
        return  # signing out would end the session the other operations use
    response = case.call(headers=headers, timeout=60)
    case.validate_response(response, checks=(not_a_server_error, response_schema_conformance, status_code_conformance))
