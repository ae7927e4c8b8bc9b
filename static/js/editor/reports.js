// Report -> places: paste a report (English or Arabic) or pick a stored one; the gazetteer places it names
// are listed and pinned on the map (click one to zoom there), so the editor can draw around them.
import { ApiError, send } from "../shared/api.js";
import { LANG, tr } from "./i18n.js";
import { $, el } from "../shared/dom.js";

export function initReports(ctx) {
  const pick = $("m-report");
  const textBox = $("m-text");
  const out = $("m-places");
  const err = $("m-error");
  let stored = [];

  function fillStored(reports) {
    stored = reports;
    const keep = pick.value;
    pick.replaceChildren(new Option("— paste text instead —", ""));
    for (const r of reports) pick.append(new Option(`${r.title} — ${r.publisher}`, String(r.id)));  // text only
    pick.value = reports.some((r) => String(r.id) === keep) ? keep : "";
  }

  pick.addEventListener("change", () => {
    const r = stored.find((x) => String(x.id) === pick.value);
    if (r) textBox.value = [r.title, r.summary].filter(Boolean).join("\n\n");
  });

  async function find() {
    err.hidden = true;
    const text = textBox.value.trim();
    if (!text) {
      err.textContent = tr(LANG, "ed_pasteReportSText");
      err.hidden = false;
      return;
    }
    const btn = $("m-find");
    btn.disabled = true;
    try {
      const res = await send("POST", ctx.config.urls.match, { text });
      render(res.places);
      ctx.pins.show(res.places);
    } catch (e) {
      err.textContent = e instanceof ApiError ? e.message : tr(LANG, "ed_couldNotReachServer", { msg: e.message });
      err.hidden = false;
    } finally {
      btn.disabled = false;
    }
  }

  function render(places) {
    out.replaceChildren();
    $("m-count").textContent = places.length > 1 ? tr(LANG, "ed_nPlacesFoundClick", { n: places.length })
      : places.length ? tr(LANG, "ed_placeFoundClickZoom") : tr(LANG, "ed_noKnownPlaceFound");
    for (const p of places) {
      const li = el("li");
      const b = el("button", { type: "button", className: "ed-place" },
        el("span", { className: "ed-place-name" }, p.name_en),
        el("span", { className: "ed-place-ar", lang: "ar", dir: "rtl" }, p.name_ar || ""),
        el("span", { className: "hint" }, tr(LANG, "ed_kindMatchedName", { kind: p.kind || tr(LANG, "place"), name: p.matched })));
      b.dataset.slug = p.slug;
      b.addEventListener("click", () => ctx.pins.focus(p.slug));
      li.append(b);
      out.append(li);
    }
  }

  $("m-find").addEventListener("click", find);
  $("m-clear").addEventListener("click", () => { ctx.pins.clear(); out.replaceChildren(); $("m-count").textContent = ""; });
  return { fillStored };
}
