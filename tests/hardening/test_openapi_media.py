"""OpenAPI names the real media type of every response (issue 19): each GET answers with a documented type."""
import pytest

A = "2024-11-30T12:00:00+03:00"
CALLS = [("/api/health", {}), ("/api/snapshot", {"at": A}), ("/api/snapshot.kml", {"at": A}), ("/api/areas.csv", {}),
         ("/api/diff", {"from": "2024-11-28T12:00:00+03:00", "to": A}), ("/api/basemap/places", {}),
         ("/ogc/", {}), ("/ogc/", {"f": "html"}), ("/ogc/collections/control_zones/items", {"limit": 1}),
         ("/ogc/collections/control_zones/items", {"limit": 1, "f": "html"}),
         ("/api/render.png", {"at": A, "width": 300, "height": 200}),
         ("/api/render.gif", {"from": "2024-11-30T00:00:00+03:00", "to": "2024-11-30T12:00:00+03:00", "width": 300, "height": 200}),
         ("/api/render.mp4", {"from": "2024-11-30T00:00:00+03:00", "to": "2024-11-30T12:00:00+03:00", "width": 300, "height": 200})]


@pytest.fixture(scope="module")
def spec(live_seed):
    with live_seed.client() as c:
        return c.get("/openapi.json").json()


def _template(spec, path):
    if path in spec["paths"]:
        return path
    parts = path.split("/")
    return next(t for t in spec["paths"] if len(t.split("/")) == len(parts) and
                all(a == b or a.startswith("{") for a, b in zip(t.split("/"), parts)))


@pytest.mark.parametrize("path, params", CALLS)
def test_each_response_has_its_documented_media_type(live_seed, spec, path, params):
    with live_seed.client() as c:
        r = c.get(path, params=params)
    assert r.status_code == 200, r.text
    documented = spec["paths"][_template(spec, path)]["get"]["responses"]["200"]["content"]
    assert r.headers["content-type"].split(";")[0] in documented


def test_no_file_format_is_documented_as_json(spec):
    for path, media in [("/api/snapshot", "application/geo+json"), ("/api/snapshot.kml", "application/vnd.google-earth.kml+xml"),
                        ("/api/areas.csv", "text/csv"), ("/api/render.png", "image/png"), ("/api/render.gif", "image/gif"),
                        ("/api/render.mp4", "video/mp4")]:
        assert list(spec["paths"][path]["get"]["responses"]["200"]["content"]) == [media]
