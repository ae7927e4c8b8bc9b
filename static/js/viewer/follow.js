// Live maps: a page that shows the latest data learns of a new revision without a reload (Server-Sent
// Events at config.urls.events, or a slow poll of config.urls.health's revision when SSE is unavailable)
// and offers "The map was updated - show". It never jumps by itself, and a page pinned to a revision
// (`rev=` or `as_of=` in its address) never changes.
import { readConfig } from "../shared/config.js";
import { tr } from "../shared/i18n.js";

const POLL_MS = 60000;

export function isPinned(search) {
  const q = new URLSearchParams(search);
  return q.has("rev") || q.has("as_of");
}

// Whether an announced revision is news to a page that loaded `known`.
export function isNewer(known, rev) {
  return Number.isInteger(rev) && rev > (Number(known) || 0);
}

function buildNotice(lang, onShow) {
  const box = document.createElement("div");
  box.id = "follow-notice";
  box.className = "follow-notice";
  box.setAttribute("role", "status");
  box.hidden = true;
  Object.assign(box.style, {
    position: "fixed", insetBlockStart: "56px", insetInlineStart: "50%", transform: "translateX(-50%)", zIndex: "2000",
    display: "flex", alignItems: "center", gap: "10px", padding: "8px 12px", borderRadius: "8px",
    background: "#1f2933", color: "#fff", boxShadow: "0 2px 10px rgba(0,0,0,.3)", font: "14px/1.3 system-ui, sans-serif",
    maxWidth: "calc(100vw - 24px)",
  });
  if (document.documentElement.dir === "rtl") box.style.transform = "translateX(50%)";
  const label = document.createElement("span");
  label.textContent = `${tr(lang, "follow_updated")} - `;
  const show = document.createElement("button");
  show.type = "button";
  show.className = "follow-show";
  show.textContent = tr(lang, "follow_show");
  Object.assign(show.style, { font: "inherit", fontWeight: "700", color: "#fff", background: "transparent",
    border: "1px solid #fff", borderRadius: "6px", padding: "2px 10px", cursor: "pointer" });
  show.addEventListener("click", onShow);
  const close = document.createElement("button");
  close.type = "button";
  close.setAttribute("aria-label", tr(lang, "follow_dismiss"));
  close.textContent = "×";
  Object.assign(close.style, { font: "inherit", color: "#fff", background: "transparent", border: "0", cursor: "pointer" });
  close.addEventListener("click", () => { box.hidden = true; box.style.display = "none"; });
  box.append(label, show, close);
  document.body.append(box);
  return box;
}

export function follow({ config = readConfig(), search = window.location.search } = {}) {
  const urls = config.urls || {};
  if (isPinned(search) || !urls.events) {
    document.body.dataset.follow = "pinned";
    return null;
  }
  const lang = document.documentElement.lang === "ar" ? "ar" : "en";
  let known = Number(config.revision) || 0;
  let box = null;
  const show = async () => {
    // Refresh the browser's copy of the live timeline first: a plain reload may reuse it for its lifetime.
    if (urls.timeline) await fetch(urls.timeline, { cache: "reload", credentials: "same-origin" }).catch(() => null);
    window.location.reload();
  };
  const seen = (rev) => {
    if (!isNewer(known, rev)) return;
    box = box || buildNotice(lang, show);
    box.hidden = false;
    box.style.display = "flex";
    document.body.dataset.followUpdate = String(rev);
  };
  let timer = null;
  const poll = () => {
    if (timer || !urls.health) return;
    const tick = () => fetch(urls.health, { cache: "no-store" }).then((r) => r.json()).then((j) => seen(j.revision)).catch(() => null);
    timer = setInterval(tick, POLL_MS);
    tick();
  };
  if ("EventSource" in window) {
    const es = new EventSource(urls.events);
    es.addEventListener("revision", (e) => {
      try { seen(JSON.parse(e.data).revision); } catch { /* a malformed event is ignored */ }
    });
    // The browser reconnects by itself after a dropped stream; a refusal (e.g. 503) closes it: poll instead.
    es.addEventListener("error", () => { if (es.readyState === EventSource.CLOSED) poll(); });
  } else {
    poll();
  }
  document.body.dataset.follow = "live";
  return { seen };
}

if (typeof document !== "undefined") follow();
