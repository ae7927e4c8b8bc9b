// The history panel (editors only; from /api/editor/revisions): every revision, newest first, saying who
// changed what, when and why: faction, instant, km², public summary, reports, note, author; "Show on map";
// whether it is reverted (and by which revision) and what a revert reverted. Revert is offered only where
// there is something left to revert. Revert asks for a reason inline and names the revision it is based on.
import { ApiError, getJSON, send } from "../shared/api.js";
import { fillUrl } from "../shared/config.js";
import { formatLocal } from "../shared/timefmt.js";
import { km2, LANG, tr } from "./i18n.js";
import { $, el } from "../shared/dom.js";

export function initHistory(ctx) {
  const list = $("h-list");
  const err = $("h-error");

  function changeBlock(c) {
    const box = el("div", { className: "ed-rev-change" });
    box.dataset.change = String(c.id);
    const head = el("p", { className: "ed-rev-what" });
    const sw = el("span", { className: "swatch" });
    sw.style.background = ctx.colors[c.faction] || "#777";
    head.append(sw, el("strong", {}, ctx.factionName(c.faction)), document.createTextNode(
      ` · ${formatLocal(new Date(c.at), ctx.offset, ctx.tzLabel, LANG)} · ${km2(c.area_km2)} ${tr(LANG, "km2")} · ${tr(LANG, c.confidence)}`));
    box.append(head);
    box.append(el("p", { className: "ed-rev-summary" }, c.summary_en || tr(LANG, "ed_noPublicSummary")));
    if (c.summary_ar) {
      const ar = el("p", { className: "ed-rev-summary" }, c.summary_ar);
      ar.dir = "rtl";
      ar.lang = "ar";
      box.append(ar);
    }
    if (c.note) box.append(el("p", { className: "hint ed-rev-note" }, tr(LANG, "ed_noteText", { text: c.note })));
    if (c.reports && c.reports.length) {
      box.append(el("p", { className: "hint ed-rev-reports" }, tr(LANG, "ed_reportsList", { list: c.reports.map((r) => `${r.title} (${r.publisher})`).join("; ") })));
    }
    const show = el("button", { className: "btn btn-small btn-ghost" }, tr(LANG, "ed_showMap"));
    show.type = "button";
    show.dataset.action = "show";
    show.addEventListener("click", () => showOnMap(c));
    box.append(show);
    return box;
  }

  async function showOnMap(c) {
    err.hidden = true;
    try {
      const g = await getJSON(fillUrl(ctx.config.urls.editorChange, { id: c.id }), { _: ctx.revision });
      ctx.time.set(Date.parse(c.at));  // the map shows the instant of the change
      ctx.highlight.show([{ geometry: g.geometry, label: `${ctx.factionName(c.faction)} #${c.created_in}` }]);
    } catch (e) {
      err.textContent = e instanceof ApiError ? e.message : tr(LANG, "ed_couldNotLoadChange", { msg: e.message });
      err.hidden = false;
    }
  }

  function render(revs) {
    list.replaceChildren();
    for (const r of revs) {
      const li = el("li", { className: `ed-rev-item kind-${r.kind}${r.active ? "" : " is-inactive"}` });
      li.dataset.revision = String(r.id);
      const head = el("div", { className: "ed-rev-head" });
      head.append(el("span", { className: "ed-rev-id" }, `#${r.id}`), el("span", { className: `badge badge-${r.kind}` }, tr(LANG, r.kind)),
        el("span", { className: "ed-rev-who" }, r.author || tr(LANG, "system")));
      const when = el("time", { className: "ed-rev-when" }, formatLocal(new Date(r.created_at), ctx.offset, ctx.tzLabel, LANG));
      when.dateTime = r.created_at;
      head.append(when);
      li.append(head);
      if (r.kind === "load" || r.kind === "import") {
        li.append(el("p", { className: "ed-rev-reason" }, r.changes_count ? tr(LANG, "ed_dataSetLoadedN", { n: r.changes_count }) : tr(LANG, "ed_dataSetLoaded")));
      } else if (r.kind === "revert") {
        const what = tr(LANG, r.effect === "restored" ? "ed_undidRevertIdRestored" : "ed_revertedIdHead", { id: r.reverts_id });
        li.append(el("p", { className: "ed-rev-reason" }, `${what} ${r.reverts && r.reverts.summary ? `“${r.reverts.summary}”` : ""}`.trim()));
        if (r.reason) li.append(el("p", { className: "hint" }, tr(LANG, "ed_reasonText", { text: r.reason })));
      }
      if (r.kind !== "load" && r.kind !== "import") for (const c of r.changes) li.append(changeBlock(c));
      if (r.kind === "change" && !r.active) {
        li.append(el("p", { className: "badge badge-reverted" }, r.reverted_by ? tr(LANG, "ed_revertedBy", { id: r.reverted_by }) : tr(LANG, "reverted")));
      } else if (r.kind === "revert" && !r.active) {
        li.append(el("p", { className: "badge badge-reverted" }, tr(LANG, "undone")));
      }
      if ((r.kind === "change" || r.kind === "revert") && r.active) li.append(revertControls(r));
      list.append(li);
    }
  }

  function revertControls(r) {
    const box = el("div", { className: "ed-revert" });
    const btn = el("button", { className: "btn btn-small" }, tr(LANG, r.kind === "revert" ? "ed_undoThisRevert" : "ed_revert"));
    btn.type = "button";
    btn.dataset.action = "revert";
    const confirmBox = el("div", { className: "ed-revert-confirm" });
    confirmBox.hidden = true;
    const label = el("label", {}, tr(LANG, "ed_reason"));
    const reason = el("input");
    reason.maxLength = 1000;
    reason.placeholder = tr(LANG, "ed_whyOptional");
    label.append(reason);
    const go = el("button", { className: "btn btn-small btn-danger" }, tr(LANG, "ed_confirmRevertId", { id: r.id }));
    go.type = "button";
    go.dataset.action = "confirm-revert";
    const cancel = el("button", { className: "btn btn-small btn-ghost" }, tr(LANG, "ed_cancel"));
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
        ctx.status(tr(LANG, "ed_revisionIdRevertedMap", { id: r.id, rev: res.revision }));
      } catch (e) {
        err.replaceChildren(document.createTextNode(e instanceof ApiError ? e.message : tr(LANG, "ed_couldNotReachServer", { msg: e.message })));
        if (e instanceof ApiError && e.status === 409) {
          const again = el("button", { className: "btn btn-small" }, tr(LANG, "ed_reload"));
          again.type = "button";
          again.addEventListener("click", () => ctx.reload().then(() => { err.hidden = true; }));
          err.append(" ", again);
        }
        err.hidden = false;
        err.scrollIntoView({ block: "center" });
        go.disabled = false;
      }
    });
    box.append(btn, confirmBox);
    return box;
  }

  async function load() {
    try {
      const revs = await getJSON(ctx.config.urls.editorRevisions, { limit: 200, _: ctx.revision });
      render(revs);
      err.hidden = true;
    } catch (e) {
      err.textContent = e instanceof ApiError ? e.message : tr(LANG, "ed_couldNotLoadHistory", { msg: e.message });
      err.hidden = false;
    }
  }

  $("h-refresh").addEventListener("click", load);
  return { load };
}
