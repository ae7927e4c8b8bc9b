// Moving the front rather than drawing blobs:
// - "Start from this zone": the faction's zone at the instant becomes an editable shape with vertex handles;
//   "Use the difference" asks the server what it gained and lost. The gained area is the change (to that
//   faction); an area given up is the next change, for the editor to give to whoever took it.
// - "Cut along a line": a line drawn across the zone; the server splits the zone (shapely) and the editor
//   clicks the side that passed to another faction, which becomes the change's area.
import { ApiError, send } from "../shared/api.js";
import { PIECE_COLORS } from "./map.js";
import { factionLabel, km2, LANG, tr } from "./i18n.js";
import { $ } from "../shared/dom.js";

export function initMove(ctx) {
  const select = $("zone-faction");
  const editing = $("zone-editing");
  const cutting = $("cut-mode");
  const piecesList = $("cut-pieces");
  const pendingBox = $("pending-part");
  let original = null;  // the zone as it was, while it is being edited
  let zoneFaction = null;
  let pieces = [];
  // The area a reshaped zone gave up, waiting to be the next change: {geometry, from, km2}.
  let pending = null;

  function fillFactions(factions) {
    const keep = select.value;
    select.replaceChildren();
    for (const f of factions) {
      if (f.slug === "contested") continue;
      select.append(new Option(factionLabel(f), f.slug));
    }
    if (factions.some((f) => f.slug === keep)) select.value = keep;
  }

  async function zoneNow(slug) {
    return (await ctx.zonesAt(ctx.time.t)).find((z) => z.faction === slug) || null;
  }

  function fail(err) {
    ctx.form.showError(err instanceof ApiError ? err.message : tr(LANG, "ed_couldNotReachServer", { msg: err.message }));
  }

  function stop() {
    const was = Boolean(original) || Boolean(pieces.length) || !cutting.hidden;
    ctx.draw.stopZone();
    ctx.draw.cancel();
    ctx.pieces.clear();
    original = null;
    pieces = [];
    piecesList.replaceChildren();
    editing.hidden = true;
    cutting.hidden = true;
    if (was) ctx.status("");
    return was;
  }

  async function startZone() {
    stop();
    const slug = select.value;
    const zone = await zoneNow(slug);
    if (!zone) return ctx.form.showError(tr(LANG, "ed_nameHoldsNoZone", { name: ctx.factionName(slug) }));
    ctx.form.clearError();
    original = zone.geometry;
    zoneFaction = slug;
    const layer = ctx.draw.editZone(zone.geometry);
    ctx.map.fitBounds(layer.getBounds().pad(0.1), { animate: false });
    editing.hidden = false;
    ctx.status(tr(LANG, "ed_editingZoneNameDrag", { name: ctx.factionName(slug) }));
  }

  async function applyZone() {
    const after = ctx.draw.zoneGeometry();
    if (!after || !original) return;
    const btn = $("zone-apply");
    btn.disabled = true;
    try {
      const res = await send("POST", ctx.config.urls.difference, { before: original, after });
      const slug = zoneFaction;
      stop();
      if (!res.gained && !res.lost) {
        ctx.status(tr(LANG, "ed_zoneUnchangedNothingRecord"));
        return;
      }
      if (res.gained) {
        ctx.draw.setGeometry(res.gained);
        ctx.form.setFaction(slug);
        setPending(res.lost ? { geometry: res.lost, from: slug, km2: res.lost_km2 } : null);
        ctx.status(tr(LANG, "ed_nameGainsKmKm", { name: ctx.factionName(slug), km2: km2(res.gained_km2) }));
      } else {
        ctx.draw.setGeometry(res.lost);
        ctx.form.setFaction("");
        setPending(null);
        ctx.status(tr(LANG, "ed_nameGivesUpKm", { name: ctx.factionName(slug), km2: km2(res.lost_km2) }));
      }
    } catch (err) {
      fail(err);
    } finally {
      btn.disabled = false;
    }
  }

  function setPending(p) {
    pending = p;
    pendingBox.hidden = !p;
    pendingBox.textContent = p
      ? tr(LANG, "ed_zoneAlsoGaveUp", { km2: km2(p.km2), name: ctx.factionName(p.from) })
      : "";
    ctx.onPendingChange();
  }

  // After a save: the area given up becomes the drawing, and the faction is left for the editor to choose.
  function takePending() {
    if (!pending) return false;
    const p = pending;
    setPending(null);
    ctx.draw.setGeometry(p.geometry);
    ctx.form.setFaction("");
    ctx.status(tr(LANG, "ed_nowKmKmThat", { km2: km2(p.km2), name: ctx.factionName(p.from) }));
    return true;
  }

  async function startCut() {
    stop();
    const slug = select.value;
    const zone = await zoneNow(slug);
    if (!zone) return ctx.form.showError(tr(LANG, "ed_nameHoldsNoZone", { name: ctx.factionName(slug) }));
    ctx.form.clearError();
    zoneFaction = slug;
    cutting.hidden = false;
    $("cut-hint").hidden = false;
    ctx.status(tr(LANG, "ed_cuttingZoneNameDraw", { name: ctx.factionName(slug) }));
    ctx.draw.drawLine(async (line) => {
      try {
        const res = await send("POST", ctx.config.urls.split, { zone: zone.geometry, line });
        showPieces(res.pieces);
      } catch (err) {
        fail(err);
        stop();
      }
    });
  }

  function showPieces(list) {
    pieces = list;
    $("cut-hint").hidden = true;
    piecesList.replaceChildren();
    list.forEach((p, i) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-small";
      b.dataset.piece = String(i);
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = PIECE_COLORS[i % PIECE_COLORS.length];
      b.append(sw, document.createTextNode(tr(LANG, "ed_sideNKmKm", { n: i + 1, km2: km2(p.area_km2) })));
      b.addEventListener("click", () => pick(i));
      li.append(b);
      piecesList.append(li);
    });
    ctx.pieces.show(list, pick);
    ctx.status(tr(LANG, "ed_lineCutsZoneName", { name: ctx.factionName(zoneFaction), n: list.length }));
  }

  function pick(i) {
    const p = pieces[i];
    if (!p) return;
    const from = zoneFaction;
    stop();
    ctx.draw.setGeometry(p.geometry);
    if (ctx.form.faction() === from) ctx.form.setFaction("");
    ctx.status(tr(LANG, "ed_chosenSideKmKm", { km2: km2(p.area_km2), name: ctx.factionName(from) }));
  }

  $("zone-edit").addEventListener("click", startZone);
  $("zone-apply").addEventListener("click", applyZone);
  $("zone-cancel").addEventListener("click", () => { stop(); ctx.status(""); });
  $("zone-cut").addEventListener("click", startCut);
  $("cut-cancel").addEventListener("click", () => { stop(); ctx.status(""); });

  return {
    fillFactions, stop, takePending,
    active: () => Boolean(original) || !cutting.hidden,
    pending: () => pending,
    setPending: (p) => setPending(p && p.geometry ? p : null),
  };
}
