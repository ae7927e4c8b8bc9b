// The Share dialog: the permalink, the embed snippet built from the current state (with options and a live
// preview), and downloads of the data at the current instant. Link, snippet and pictures pin the data's
// revision (`rev`) by default, so a published map does not change when the data are edited later; "follow
// the latest data" drops the pin. Pictures show what the reader sees: the visible factions and the view.
import { tr, field } from "../shared/i18n.js";
import { embedSnippet } from "./snippet.js";
import { feedUrls } from "./watch.js";
import { el } from "../shared/dom.js";

function copyButton(lang, getText) {
  const b = el("button", { type: "button", className: "btn btn-small", textContent: tr(lang, "copy") });
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(getText());
      b.textContent = tr(lang, "copied");
      setTimeout(() => { b.textContent = tr(lang, "copy"); }, 1500);
    } catch { /* clipboard refused (permissions): the text stays selectable in the field */ }
  });
  return b;
}

export function buildShare(dialog, { config, timeline, lang, getState }) {
  const origin = window.location.origin;
  const ds = timeline.dataset;
  const opts = { autoplay: false, controls: true, legend: true, theme: "auto", follow: false };
  const rev = timeline.revision || config.revision || null;
  // The reader's factions and view, from the permalink query (f=, c=, z=), in the picture API's terms.
  const pictureQuery = (s, extra) => {
    const state = new URLSearchParams(s.embedQuery({}));
    const q = new URLSearchParams({ ...extra, lang });
    if (size.value) q.set("preset", size.value);
    if (state.get("f") !== null) q.set("factions", state.get("f"));
    if (state.get("c") && state.get("z")) { q.set("c", state.get("c")); q.set("z", state.get("z")); }
    if (rev && !opts.follow) q.set("rev", String(rev));
    return q.toString();
  };

  const linkInput = el("input", { type: "text", readOnly: true, className: "share-link", id: "share-link" });
  const snippet = el("textarea", { readOnly: true, rows: 4, className: "share-snippet", id: "share-snippet" });
  const preview = el("iframe", { className: "share-preview", title: tr(lang, "preview"), loading: "lazy" });
  const dl = {
    geojson: el("a", { className: "dl", textContent: tr(lang, "geojson") }),
    kml: el("a", { className: "dl", textContent: tr(lang, "kml") }),
    csv: el("a", { className: "dl", textContent: tr(lang, "csv") }),
  };
  // Feeds of the changes in the current view, for the visible factions (live server only).
  const feeds = config.urls.feedAtom && !config.static ? {
    atom: el("a", { className: "dl", id: "share-feed-atom", textContent: tr(lang, "feedAtom"), type: "application/atom+xml" }),
    json: el("a", { className: "dl", id: "share-feed-json", textContent: tr(lang, "feedJson"), type: "application/feed+json" }),
  } : null;

  // Pictures made by the server: fetched as a blob with a running indication, then saved.
  const status = el("p", { className: "hint share-status", role: "status" });
  // Social sizes (the server's presets); the file name says which.
  const size = el("select", { className: "share-size", id: "share-size" });
  for (const [v, key] of [["", "picDefault"], ["square", "picSquare"], ["portrait", "picPortrait"], ["story", "picStory"],
    ["landscape", "picLandscape"]]) size.append(el("option", { value: v, textContent: tr(lang, key) }));
  const sized = (name) => (size.value ? name.replace(/(\.\w+)$/, `-${size.value}$1`) : name);
  const picture = (labelKey, urlFor, filename) => {
    const b = el("button", { type: "button", className: "btn btn-small", textContent: tr(lang, labelKey) });
    b.addEventListener("click", async () => {
      if (b.disabled) return;
      b.disabled = true;
      const t0 = Date.now();
      const tick = () => { status.textContent = tr(lang, "rendering", { s: Math.round((Date.now() - t0) / 1000) }); };
      tick();
      const timer = setInterval(tick, 500);
      try {
        const r = await fetch(urlFor(getState()), { credentials: "same-origin" });
        if (!r.ok) throw new Error(r.status === 503 ? tr(lang, "renderBusy") : tr(lang, "renderBad"));
        const blob = await r.blob();
        status.textContent = tr(lang, "rendered", { kb: Math.round(blob.size / 1024) });
        const a = el("a", { href: URL.createObjectURL(blob), download: filename(getState()) });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      } catch (e) {
        status.textContent = tr(lang, "renderFailed", { m: e.message });
      } finally {
        clearInterval(timer);
        b.disabled = false;
      }
    });
    return b;
  };
  const pictures = config.urls.renderPng ? el("section", { className: "share-sec" },
    el("h3", { className: "share-label", textContent: tr(lang, "pictures") }),
    el("div", { className: "share-opts" },
      el("label", { htmlFor: "share-size", className: "share-opt", textContent: tr(lang, "picSize") }), size),
    el("div", { className: "share-dl" },
      picture("png", (s) => `${config.urls.renderPng}?${pictureQuery(s, { at: s.iso })}`,
        (s) => sized(`${ds.slug}-${s.iso.replace(/[:]/g, "").replace(/\+.*/, "")}.png`)),
      picture("gif", (s) => `${config.urls.renderGif}?${pictureQuery(s, { from: ds.start, to: ds.end })}`,
        () => sized(`${ds.slug}.gif`))),
    el("p", { className: "hint", textContent: tr(lang, "picturesHint") }),
    status) : "";

  const check = (key, labelKey) => {
    const cb = el("input", { type: "checkbox", checked: opts[key] });
    cb.addEventListener("change", () => { opts[key] = cb.checked; refresh(true); });
    return el("label", { className: "share-opt" }, cb, document.createTextNode(" " + tr(lang, labelKey)));
  };
  const theme = el("select", { className: "share-theme" });
  theme.setAttribute("aria-label", tr(lang, "theme"));
  for (const v of ["auto", "light", "dark"]) theme.append(el("option", { value: v, textContent: tr(lang, v === "auto" ? "themeAuto" : v) }));
  const follow = el("input", { type: "checkbox", checked: false, id: "share-follow" });
  follow.addEventListener("change", () => { opts.follow = follow.checked; refresh(true); });
  const pinNote = el("p", { className: "hint share-pin", id: "share-pin-note" });
  theme.addEventListener("change", () => { opts.theme = theme.value; refresh(true); });

  const closeBtn = el("button", { type: "button", className: "btn dialog-close", textContent: "×" });
  closeBtn.setAttribute("aria-label", tr(lang, "close"));
  closeBtn.addEventListener("click", () => dialog.close());
  const heading = el("h2", { id: "share-title", textContent: tr(lang, "shareTitle") });
  dialog.setAttribute("aria-labelledby", "share-title");

  dialog.replaceChildren(
    el("div", { className: "dialog-head" }, heading, closeBtn),
    el("section", { className: "share-sec" },
      el("label", { htmlFor: "share-link", className: "share-label", textContent: tr(lang, "link") }),
      el("div", { className: "share-copy" }, linkInput, copyButton(lang, () => linkInput.value)),
      el("label", { className: "share-opt share-follow", htmlFor: "share-follow" }, follow,
        document.createTextNode(" " + tr(lang, "followLatest"))),
      pinNote),
    el("section", { className: "share-sec" },
      el("label", { htmlFor: "share-snippet", className: "share-label", textContent: tr(lang, "embed") }),
      el("p", { className: "hint", textContent: tr(lang, "embedHint") }),
      el("div", { className: "share-opts" }, check("autoplay", "autoplay"), check("controls", "controls"), check("legend", "legendOpt"), theme),
      el("div", { className: "share-copy" }, snippet, copyButton(lang, () => snippet.value)),
      el("div", { className: "share-preview-wrap" }, preview)),
    el("section", { className: "share-sec" },
      el("h3", { className: "share-label", textContent: tr(lang, "downloads") }),
      el("div", { className: "share-dl" }, dl.geojson, dl.kml, dl.csv)),
    feeds ? el("section", { className: "share-sec" },
      el("h3", { className: "share-label", textContent: tr(lang, "feeds") }),
      el("div", { className: "share-dl" }, feeds.atom, feeds.json),
      el("p", { className: "hint", textContent: tr(lang, "feedsHint") })) : "",
    pictures,
  );
  dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });

  function refresh(withPreview) {
    const s = getState();
    const pin = rev && !opts.follow ? String(rev) : null;
    const link = new URL(s.url);
    if (pin) link.searchParams.set("rev", pin); else link.searchParams.delete("rev");
    linkInput.value = link.toString();
    pinNote.textContent = pin ? tr(lang, "pinned", { rev: pin }) : tr(lang, "following");
    const extra = { autoplay: opts.autoplay ? 1 : null, controls: opts.controls ? null : 0,
      legend: opts.legend ? null : 0, theme: opts.theme === "auto" ? null : opts.theme, rev: pin };
    const q = s.embedQuery(extra);
    snippet.value = embedSnippet({ origin, embedPath: config.urls.embed, scriptPath: config.urls.embedScript, query: q,
      title: field(ds, "title", lang) || "Frontline" });
    const src = `${config.urls.embed}?${q}`;
    if (withPreview && preview.getAttribute("src") !== src) preview.src = src;
    const at = encodeURIComponent(s.iso);
    const stamp = s.iso.replace(/[:]/g, "").replace(/\+.*/, "");
    dl.geojson.href = `${config.urls.snapshot}?at=${at}`;
    dl.geojson.download = `${ds.slug}-${stamp}.geojson`;
    dl.kml.href = `${config.urls.kml}?at=${at}`;
    dl.kml.download = `${ds.slug}-${stamp}.kml`;
    dl.csv.href = config.urls.csv;
    dl.csv.download = `${ds.slug}-areas.csv`;
    if (feeds) {
      const u = feedUrls(config, { bbox: s.bbox, factions: s.factions });
      feeds.atom.href = u.atom;
      feeds.json.href = u.json;
    }
  }

  return {
    open() { refresh(true); dialog.showModal(); },
    refresh() { if (dialog.open) refresh(false); },
  };
}
