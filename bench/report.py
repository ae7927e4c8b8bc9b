"""Turn bench results into bench/RESULTS.md."""
from pathlib import Path


def _r(d):
    return f"{d['rps']:,.0f} | {d['p50_ms']:.1f} | {d['p99_ms']:.1f} | {d['errors']}"


def write(res: dict, path: Path) -> None:
    L = ["# Benchmark results", "", f"Measured {res['when']} on {res['machine']}.", "",
         f"wrk, 32 connections, 2 threads, {res['seconds_per_case']} s per case after a 3 s warm-up, loopback, "
         "`Accept-Encoding: gzip`, one uvicorn worker. Shared machine: compare ratios within this run.", ""]
    if "read" in res:
        L += ["## 1. Read path against its limit (a ~20-line ASGI app returning the same bytes from memory)", "",
              "| case | app req/s | p50 ms | p99 ms | errors | limit req/s | limit p50 ms | limit p99 ms | limit errors | app/limit |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for k, v in res["read"].items():
            L.append(f"| {k} | {_r(v['app'])} | {_r(v['limit'])} | {v['ratio']:.2f} |")
        L.append("")
    t = res.get("tipg", {})
    L += ["## 2. Against tipg (Development Seed's FastAPI OGC server for PostGIS), same zones, same instant", ""]
    if "snapshot" in t:
        L += ["| server | req/s | p50 ms | p99 ms | errors |", "| --- | ---: | ---: | ---: | ---: |",
              f"| Frontline /api/snapshot | {_r(res['read']['snapshot']['app'])} |", f"| tipg items ({t['features']} features) | {_r(t['snapshot'])} |", "",
              f"Frontline / tipg: **{t['ratio_app_over_tipg']:.0f}x**.", ""]
    else:
        L += [f"Not measured: {t.get('error', 'not run')}", ""]
    if "conditional" in res:
        L += ["## 3. Conditional requests (`If-None-Match`, 304)", "", "| case | req/s | p50 ms | p99 ms | errors |", "| --- | ---: | ---: | ---: | ---: |"]
        for k, v in res["conditional"].items():
            L.append(f"| {k} | {_r(v)} |")
        L.append("")
    if "history" in res:
        L += ["## 4-5. Cost as history grows; the edit path", "",
              "| history | changes | zone rows | snapshot query median ms | p95 ms | GiST index used | timeline bytes | gzip | edit at 29 Nov (ms) | later changes |",
              "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
        for k, v in res["history"].items():
            L.append(f"| x{k} | {v['changes']} | {v['zone_rows']} | {v['snapshot_query_ms_median']} | {v['snapshot_query_ms_p95']} | "
                     f"{'yes' if v['index_used'] else 'no'} | {v['timeline_raw_bytes']:,} | {v['timeline_gzip_bytes']:,} | {v['edit_ms_median']} | {v['later_changes']} |")
        L += ["", "The snapshot query plan (x100):", "", "```", res["history"][max(res["history"])]["plan"], "```", ""]
    if "browser" in res:
        L += ["## 6. Browser (Chromium, Performance API)", "", "| data | / first zones ms | /embed first zones ms | step median ms | step p95 ms |",
              "| --- | ---: | ---: | ---: | ---: |"]
        for k, v in res["browser"].items():
            if "error" in v:
                L.append(f"| {k} | not measured: {v['error'][:80]} | | | |")
            else:
                L.append(f"| {k} | {v['/']['first_zones_ms_median']} | {v['/embed']['first_zones_ms_median']} | {v['animation_step_ms_median']} | {v['animation_step_ms_p95']} |")
        L.append("")
    if "payload" in res:
        L += ["## 7. Payload", "", "| response | bytes | gzip -5 |", "| --- | ---: | ---: |"]
        for k, v in res["payload"].items():
            L.append(f"| {k} | {v['raw_bytes']:,} | {v['gzip_bytes']:,} |")
        L += ["", "Coordinates are quantised to 5 decimals (about 1 m; the data is drawn to a few hundred metres); a zone "
              "version is sent once for its whole validity interval, not once per instant.", ""]
    if "load" in res:
        v = res["load"]
        L += ["## Load test (issue #8): snapshot, timeline and embed mixed, 30 s, 32 connections", "",
              f"{v['rps']:,.0f} req/s, p50 {v['p50_ms']:.1f} ms, p99 {v['p99_ms']:.1f} ms, {v['errors']} errors ({v['requests']:,} requests).", ""]
    path.write_text("\n".join(L))
