// The history panel: every revision (who, when, kind, reason), newest first, with Revert for edits.
// Revert asks for a reason inline (no browser dialogs) and, like a save, names the revision it is based on.
import { ApiError, getJSON, send } from "./api.js";
import { fillUrl } from "./config.js";
import { formatLocal } from "./timefmt.js";

const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function initHistory(ctx) {
  const list = $("h-list");
  const err = $("h-error");

  function describe(r) {
    if (r.kind === "load") return `Data set loaded${r.details && r.details.changes ? ` (${r.details.changes} changes)` : ""}`;
    if (r.kind === "revert") return r.reason || `Reverted revision ${r.reverts_id}`;
    return r.reason || "Change";
  }

  function render(revs) {
    list.replaceChildren();
    const revertedBy = new Map();
    for (const r of revs) if (r.kind === "revert" && r.reverts_id) revertedBy.set(r.reverts_id, r.id);
    for (const r of revs) {
      const li = el("li", `ed-rev-item kind-${r.kind}`);
      li.dataset.revision = String(r.id);
      const head = el("div", "ed-rev-head");
      head.append(el("span", "ed-rev-id", `#${r.id}`), el("span", `badge badge-${r.kind}`, r.kind),
        el("span", "ed-rev-who", r.author || "system"));
      const when = el("time", "ed-rev-when", formatLocal(new Date(r.created_at), ctx.offset, ctx.tzLabel));
      when.dateTime = r.created_at;
      head.append(when);
      li.append(head, el("p", "ed-rev-reason", describe(r)));
      if (revertedBy.has(r.id)) li.append(el("p", "hint", `reverted by #${revertedBy.get(r.id)}`));
      if (r.kind === "change" || r.kind === "revert") li.append(revertControls(r));
      list.append(li);
    }
  }

  function revertControls(r) {
    const box = el("div", "ed-revert");
    const btn = el("button", "btn btn-small", r.kind === "revert" ? "Undo this revert" : "Revert");
    btn.type = "button";
    btn.dataset.action = "revert";
    const confirmBox = el("div", "ed-revert-confirm");
    confirmBox.hidden = true;
    const label = el("label", "", "Reason ");
    const reason = el("input");
    reason.maxLength = 1000;
    reason.placeholder = "why (optional)";
    label.append(reason);
    const go = el("button", "btn btn-small btn-danger", `Confirm revert of #${r.id}`);
    go.type = "button";
    go.dataset.action = "confirm-revert";
    const cancel = el("button", "btn btn-small btn-ghost", "Cancel");
    cancel.type = "button";
    confirmBox.append(label, go, cancel);
    btn.addEventListener("click", () => { confirmBox.hidden = false; btn.hidden = true; reason.focus(); });
    cancel.addEventListener("click", () => { confirmBox.hidden = true; btn.hidden = false; });
    go.addEventListener("click", async () => {
      go.disabled = true;
      err.hidden = true;
      try {
        const res = await send("POST", fillUrl(ctx.config.urls.revert, { id: r.id }),
          { base_revision: ctx.revision, reason: reason.value.trim() });
        await ctx.reload(res.revision);
        ctx.status(`Revision ${r.id} reverted: the map is now revision ${res.revision}.`);
      } catch (e) {
        err.replaceChildren(document.createTextNode(e instanceof ApiError ? e.message : `Could not reach the server: ${e.message}`));
        if (e instanceof ApiError && e.status === 409) {
          const again = el("button", "btn btn-small", "Reload");
          again.type = "button";
          again.addEventListener("click", () => ctx.reload().then(() => { err.hidden = true; }));
          err.append(" ", again);
        }
        err.hidden = false;
        go.disabled = false;
      }
    });
    box.append(btn, confirmBox);
    return box;
  }

  async function load() {
    try {
      const revs = await getJSON(ctx.config.urls.revisions, { limit: 200, _: ctx.revision });
      render(revs);
      err.hidden = true;
    } catch (e) {
      err.textContent = e instanceof ApiError ? e.message : `Could not load the history: ${e.message}`;
      err.hidden = false;
    }
  }

  $("h-refresh").addEventListener("click", load);
  return { load };
}
