// Place search on the map: a combobox over the gazetteer (/api/places?q=, English, Arabic and variant names).
// Picking a place (click, or arrows and Enter) calls onPick(place); the caller moves the map and opens its popup.
import { getJSON } from "../shared/api.js";
import { tr, field } from "../shared/i18n.js";

let uid = 0;

export function buildPlaceSearch(root, { config, lang, onPick }) {
  const id = `place-search-${++uid}`;
  const input = document.createElement("input");
  input.type = "search";
  input.className = "place-search-input";
  input.placeholder = tr(lang, "searchPlace");
  input.setAttribute("aria-label", tr(lang, "searchPlace"));
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", `${id}-list`);
  input.autocomplete = "off";
  input.spellcheck = false;
  const list = document.createElement("ul");
  list.id = `${id}-list`;
  list.className = "place-search-list";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  root.classList.add("place-search");
  root.replaceChildren(input, list);
  // Keep the map from taking the clicks, wheel and drags meant for the box.
  if (window.L) { L.DomEvent.disableClickPropagation(root); L.DomEvent.disableScrollPropagation(root); }

  let places = [], active = -1, seq = 0, timer = null;

  const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; };
  const mark = (i) => {
    active = i;
    [...list.children].forEach((li, k) => li.setAttribute("aria-selected", String(k === i)));
    if (i >= 0 && list.children[i]) input.setAttribute("aria-activedescendant", list.children[i].id);
    else input.removeAttribute("aria-activedescendant");
  };
  const pick = (i) => {
    const p = places[i];
    if (!p) return;
    input.value = field(p, "name", lang);
    close();
    onPick(p);
  };
  const show = () => {
    list.replaceChildren();
    if (!places.length) {
      const li = document.createElement("li");
      li.className = "place-search-none";
      li.textContent = tr(lang, "noPlaces");
      list.append(li);
    }
    places.forEach((p, i) => {
      const li = document.createElement("li");
      li.id = `${id}-opt-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.slug = p.slug;
      li.textContent = field(p, "name", lang);
      const other = lang === "ar" ? p.name_en : p.name_ar;
      if (other) {
        const small = document.createElement("span");
        small.className = "place-search-other";
        small.lang = lang === "ar" ? "en" : "ar";
        small.textContent = other;
        li.append(" ", small);
      }
      li.addEventListener("mousedown", (e) => e.preventDefault());  // keep the focus in the box
      li.addEventListener("click", () => pick(i));
      list.append(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    mark(places.length ? 0 : -1);
  };
  const search = async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) { places = []; close(); return; }
    try {
      const found = await getJSON(config.urls.places, { q, limit: 8 });
      if (mine !== seq) return;
      places = found;
      show();
    } catch (e) { if (mine === seq) { places = []; close(); } }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && places.length) { e.preventDefault(); if (list.hidden) show(); else mark((active + 1) % places.length); }
    else if (e.key === "ArrowUp" && places.length) { e.preventDefault(); mark((active - 1 + places.length) % places.length); }
    else if (e.key === "Enter") { e.preventDefault(); if (!list.hidden && active >= 0) pick(active); }
    else if (e.key === "Escape") { if (!list.hidden) { e.preventDefault(); e.stopPropagation(); close(); } }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  return { input };
}

// How close to zoom for a kind of place: a neighbourhood is a few streets, a town a few kilometres.
export function placeZoom(place) {
  return { neighbourhood: 14, landmark: 14, base: 13, village: 13, town: 12, city: 11 }[place.kind] || 12;
}
