// Report -> places: paste a report (English or Arabic) or pick a stored one; the gazetteer places it names
// are listed and pinned on the map (click one to zoom there), so the editor can draw around them.
import { ApiError, send } from "./api.js";
import { tr } from "./editor-i18n.js";

const $ = (id) => document.getElementById(id);

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
      err.textContent = tr("Paste a report's text or pick a stored report first.");
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
      err.textContent = e instanceof ApiError ? e.message : tr("Could not reach the server: {msg}", { msg: e.message });
      err.hidden = false;
    } finally {
      btn.disabled = false;
    }
  }

  function render(places) {
    out.replaceChildren();
    $("m-count").textContent = places.length > 1 ? tr("{n} places found — click one to zoom to it.", { n: places.length })
      : places.length ? tr("1 place found — click it to zoom to it.") : tr("No known place found in this text.");
    for (const p of places) {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "ed-place";
      b.dataset.slug = p.slug;
      const name = document.createElement("span");
      name.className = "ed-place-name";
      name.textContent = p.name_en;
      const ar = document.createElement("span");
      ar.className = "ed-place-ar";
      ar.lang = "ar";
      ar.dir = "rtl";
      ar.textContent = p.name_ar || "";
      const meta = document.createElement("span");
      meta.className = "hint";
      meta.textContent = tr("{kind} · matched “{name}”", { kind: p.kind || tr("place"), name: p.matched });
      b.append(name, ar, meta);
      b.addEventListener("click", () => ctx.pins.focus(p.slug));
      li.append(b);
      out.append(li);
    }
  }

  $("m-find").addEventListener("click", find);
  $("m-clear").addEventListener("click", () => { ctx.pins.clear(); out.replaceChildren(); $("m-count").textContent = ""; });
  return { fillStored };
}
