// Place search over the gazetteer (English, Arabic, variant spellings): pick a result to go there and pin it.
import { ApiError, getJSON } from "../shared/api.js";
import { factionLabel, LANG, tr } from "./i18n.js";
import { $, el } from "../shared/dom.js";

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
      if (!places.length) list.append(el("li", { className: "hint" }, tr(LANG, "ed_noPlaceCalledQ", { q })));
      for (const p of places) {
        const li = el("li");
        // text, never HTML
        const b = el("button", { type: "button", className: "ed-linkbtn" }, factionLabel(p), el("span", { className: "hint" }, ` ${p.kind || ""}`));
        b.dataset.slug = p.slug;
        b.addEventListener("click", () => pick(p));
        li.append(b);
        list.append(li);
      }
      list.hidden = false;
      if (places.length === 1) pick(places[0]);
    } catch (e) {
      list.append(el("li", { className: "msg msg-error" }, e instanceof ApiError ? e.message : tr(LANG, "ed_couldNotSearchMsg", { msg: e.message })));
      list.hidden = false;
    }
  });
  input.addEventListener("keydown", (e) => { if (e.key === "Escape") close(); });
}
