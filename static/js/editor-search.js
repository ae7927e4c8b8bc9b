// Place search over the gazetteer (English, Arabic, variant spellings): pick a result to go there and pin it.
import { ApiError, getJSON } from "./api.js";
import { LANG, tr } from "./editor-i18n.js";

const $ = (id) => document.getElementById(id);

export function initSearch(ctx) {
  const form = $("place-search");
  const input = $("place-q");
  const list = $("place-results");

  function close() {
    list.hidden = true;
    list.replaceChildren();
  }

  function pick(p) {
    close();
    ctx.pins.show([p]);
    ctx.pins.focus(p.slug);
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    if (!q) return close();
    list.replaceChildren();
    try {
      const places = await getJSON(ctx.config.urls.places, { q, limit: 8 });
      if (!places.length) {
        const li = document.createElement("li");
        li.className = "hint";
        li.textContent = tr("No place called “{q}” in the gazetteer.", { q });
        list.append(li);
      }
      for (const p of places) {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.className = "ed-linkbtn";
        b.dataset.slug = p.slug;
        b.textContent = LANG === "ar" ? (p.name_ar || p.name_en) : p.name_ar ? `${p.name_en} · ${p.name_ar}` : p.name_en;  // text, never HTML
        const kind = document.createElement("span");
        kind.className = "hint";
        kind.textContent = ` ${p.kind || ""}`;
        b.append(kind);
        b.addEventListener("click", () => pick(p));
        li.append(b);
        list.append(li);
      }
      list.hidden = false;
      if (places.length === 1) pick(places[0]);
    } catch (e) {
      const li = document.createElement("li");
      li.className = "msg msg-error";
      li.textContent = e instanceof ApiError ? e.message : tr("Could not search: {msg}", { msg: e.message });
      list.append(li);
      list.hidden = false;
    }
  });
  input.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
}
