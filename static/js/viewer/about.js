// "Last updated" (the time of the data revision shown) and the methodology one click away: a dialog with a short
// account of how the map is made (in the page, in the reader's language) and the data set's own notes.
import { getJSON } from "../shared/api.js";
import { tr } from "../shared/i18n.js";
import { formatLocal, zoneOf } from "../shared/timefmt.js";

export async function revisionTime(config, rev) {
  if (!config.urls.revisions) return null;  // a baked site has no revision list
  const revs = await getJSON(config.urls.revisions, { limit: 500 });
  const r = revs.find((x) => x.id === rev);
  return r ? new Date(r.created_at) : null;
}

export function setupAbout(config, index, lang) {
  const ds = index.dataset;
  const dialog = document.getElementById("method-dialog");
  const button = document.getElementById("method-btn");
  const notes = document.getElementById("method-notes");
  if (notes) notes.textContent = ds.notes_en || "";
  if (dialog && button) {
    button.addEventListener("click", () => dialog.showModal());
    dialog.querySelector("[data-close]")?.addEventListener("click", () => dialog.close());
    dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });  // a click on the backdrop
  }
  const line = document.getElementById("updated");
  if (!line) return Promise.resolve();
  return revisionTime(config, index.revision).then((t) => {
    if (t) line.textContent = tr(lang, "lastUpdated", { t: formatLocal(t, zoneOf(ds), ds.tz_label, lang) });
  }).catch(() => {});
}
