// The legend: each faction's colour (hatched for contested), name and km2 at the current instant, with a
// checkbox to show or hide it (read-only when `toggles` is false, as in the embed).
import { tr, field, formatKm2 } from "../shared/i18n.js";

export function buildLegend(root, { factions, lang, visible, onToggle, toggles = true }) {
  root.classList.add("legend");
  const list = document.createElement("ul");
  list.className = "legend-list";
  const cells = {};
  for (const f of factions) {
    const li = document.createElement("li");
    li.className = "legend-item";
    li.dataset.faction = f.slug;
    const sw = document.createElement("span");
    sw.className = `swatch${f.slug === "contested" ? " swatch-hatch" : ""}`;
    sw.style.setProperty("--c", f.color);
    sw.setAttribute("aria-hidden", "true");
    const name = document.createElement("span");
    name.className = "legend-name";
    name.textContent = field(f, "name", lang);
    name.title = field(f, "description", lang);
    const short = document.createElement("span");
    short.className = "legend-short";
    short.textContent = field(f, "short", lang) || field(f, "name", lang);
    short.setAttribute("aria-hidden", "true");
    const km = document.createElement("span");
    km.className = "legend-km2";
    let row;
    if (toggles) {
      const label = document.createElement("label");
      const cb = document.createElement("input");
      cb.type = "checkbox";
      cb.checked = visible.has(f.slug);
      cb.setAttribute("aria-label", `${tr(lang, "showHide")}: ${field(f, "name", lang)}`);
      cb.addEventListener("change", () => onToggle(f.slug, cb.checked));
      label.append(cb, sw, name, short);
      row = label;
    } else {
      row = document.createElement("span");
      row.className = "legend-row";
      row.append(sw, name, short);
    }
    li.append(row, km);
    list.append(li);
    cells[f.slug] = { km, li };
  }
  // The grey beyond the data set's extent (map.js showUnmapped): not a faction, no checkbox, no km2. The last
  // item of the list, so the compact strip of a small embed keeps it on the same lines.
  const unmapped = document.createElement("li");
  unmapped.className = "legend-unmapped";
  unmapped.title = tr(lang, "notMappedHint");
  const usw = document.createElement("span");
  usw.className = "swatch swatch-hatch";
  usw.style.setProperty("--c", "#7d7d7d");
  usw.setAttribute("aria-hidden", "true");
  const utext = document.createElement("span");
  utext.textContent = tr(lang, "notMapped");
  unmapped.append(usw, utext);
  list.append(unmapped);
  root.replaceChildren(list);
  return {
    update(areas, vis) {
      for (const f of factions) {
        const c = cells[f.slug];
        c.km.textContent = `${formatKm2(areas[f.slug], lang)} ${tr(lang, "km2")}`;
        c.li.dataset.km2 = String(Math.round(areas[f.slug] || 0));
        c.li.classList.toggle("is-hidden", vis ? !vis.has(f.slug) : false);
        c.li.classList.toggle("is-empty", !(areas[f.slug] > 0.5));
      }
    },
  };
}
