// The change feed: every change in order (local time, faction, confidence, summary). Clicking one jumps to
// it; the feed follows the animation, marking and scrolling to the current step's changes.
import { tr, field } from "../shared/i18n.js";
import { sortedChanges } from "./timeline.js";
import { formatLocal, zoneOf } from "../shared/timefmt.js";

export function buildFeed(root, { timeline, lang, onPick }) {
  const ds = timeline.dataset;
  const factions = Object.fromEntries(timeline.factions.map((f) => [f.slug, f]));
  const list = document.createElement("ol");
  list.className = "feed-list";
  const items = new Map();
  for (const c of sortedChanges(timeline.changes)) {
    const li = document.createElement("li");
    li.className = "feed-item";
    li.dataset.at = c.at;
    li.dataset.change = c.key;
    const btn = document.createElement("button");
    btn.type = "button";
    btn.className = "feed-btn";
    const time = document.createElement("time");
    time.dateTime = c.at;
    time.textContent = formatLocal(new Date(c.at), zoneOf(ds), ds.tz_label, lang, false);
    const f = factions[c.faction] || { color: "#888" };
    const tag = document.createElement("span");
    tag.className = `feed-faction${c.faction === "contested" ? " swatch-hatch" : ""}`;
    tag.style.setProperty("--c", f.color);
    tag.textContent = field(f, "short", lang) || field(f, "name", lang) || c.faction;
    const conf = document.createElement("span");
    conf.className = `feed-conf conf-${c.confidence}`;
    conf.textContent = tr(lang, ["claimed", "inferred"].includes(c.confidence) ? c.confidence : "confirmed");
    const head = document.createElement("span");
    head.className = "feed-head";
    head.append(time, tag, conf);
    const sum = document.createElement("span");
    sum.className = "feed-summary";
    sum.textContent = field(c, "summary", lang);
    btn.append(head, sum);
    btn.addEventListener("click", () => onPick(c));
    li.append(btn);
    list.append(li);
    items.set(c.id, li);
  }
  root.replaceChildren(list);

  let current = [];
  return {
    // Mark the changes of the current step; scroll the feed (only the feed, never the page) to them.
    mark(changes, follow = true) {
      for (const li of current) { li.classList.remove("is-current"); li.removeAttribute("aria-current"); }
      current = changes.map((c) => items.get(c.id)).filter(Boolean);
      for (const li of current) { li.classList.add("is-current"); li.setAttribute("aria-current", "step"); }
      const first = current[0];
      if (follow && first && root.clientHeight) {
        const top = first.offsetTop;  // the feed is the offsetParent (position: relative)
        if (top < root.scrollTop || top + first.offsetHeight > root.scrollTop + root.clientHeight) {
          root.scrollTo({ top: Math.max(0, top - 8), behavior: "instant" });
        }
      }
    },
  };
}
