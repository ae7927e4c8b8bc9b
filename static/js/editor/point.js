// "Who holds this, since when, on which reports": a click on the editor's map, outside drawing, editing and
// cutting, asks /api/point at the instant the map shows and shows the public's own answer (the viewer's popup),
// so the editor sees what a change would contradict or repeat before drawing it.
import { getJSON } from "../shared/api.js";
import { popupContent } from "../viewer/popup.js";
import { LANG, tr } from "./i18n.js";
import { showPopup } from "./map.js";

export function initPointInfo(ctx) {
  let asked = 0;
  ctx.map.on("click", async (e) => {
    if (ctx.draw.drawing() || ctx.move.active() || ctx.map.pm.globalEditModeEnabled()) return;
    const n = ++asked;
    const { lat, lng } = e.latlng.wrap();
    try {
      const point = await getJSON(ctx.config.urls.point, {
        lat: lat.toFixed(6), lon: lng.toFixed(6), at: new Date(ctx.time.t).toISOString(), rev: ctx.revision,
      });
      if (n === asked) showPopup(ctx.map, e.latlng, popupContent(point, { timeline: ctx.timeline, lang: LANG }));
    } catch (err) {
      if (n === asked) ctx.status(tr(LANG, "ed_couldNotReachServer", { msg: err.message }));
    }
  });
}
