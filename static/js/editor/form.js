// The change form: faction, instant, confidence, cited reports (and adding a new one), summary and note;
// Preview (nothing stored) and Save (names the revision the editor loaded: a stale one is a visible 409).
import { ApiError, getJSON, send } from "../shared/api.js";
import { fillUrl } from "../shared/config.js";
import { formatLocal, isoLocal } from "../shared/timefmt.js";
import { factionLabel, km2, LANG, tr } from "./i18n.js";
import { TimeField } from "./timefield.js";
import { $ } from "../shared/dom.js";

function reportLabel(r, ctx) {
  const when = r.published_at ? formatLocal(new Date(r.published_at), ctx.offset, ctx.tzLabel, LANG) : "";
  return `${r.title} — ${r.publisher}${when ? ", " + when : ""}`;
}

export function initForm(ctx) {
  const form = $("change-form");
  const faction = $("f-faction");
  const at = $("f-at");
  const reports = $("f-reports");
  const errBox = $("form-error");
  const reloadBtn = $("reload-reapply");
  const previewBox = $("preview");
  const confirmBtn = $("confirm-save");
  // What the editor confirmed for the change as it stands (a change that changes nothing adds a source; a large
  // flip): sent with the save; forgotten as soon as the change is edited.
  let confirmed = {};
  // The last preview's verdict on the change as it stands (null: not previewed since the last edit).
  let verdict = null;
  // The change's instant: typed, stepped or picked in the war's local time; the map follows it once committed.
  const atField = new TimeField(at, $("f-at-note"), {
    onCommit: (ms) => {
      ctx.time.set(ms);
      clearPreview();
    },
  });
  const reportDate = new TimeField($("r-date"), $("r-date-note"));

  function showError(message, { conflict = false, confirm = null } = {}) {
    $("form-error-text").textContent = message;
    reloadBtn.hidden = !conflict;
    confirmBtn.hidden = !confirm;
    confirmBtn.dataset.flag = confirm || "";
    if (confirm) confirmBtn.textContent = tr(LANG, confirm === "adds_source" ? "ed_confirmAddsSource" : "ed_confirmLarge");
    if (!conflict) $("others-list").hidden = true;
    errBox.hidden = false;
    // The message and its button must be seen, wherever the editor had scrolled to.
    errBox.scrollIntoView({ block: "center" });
  }
  function clearError() {
    errBox.hidden = true;
    reloadBtn.hidden = true;
    confirmBtn.hidden = true;
    $("others-list").hidden = true;
  }

  // After a 409: what the other editors saved since this page's revision, listed and outlined on the map.
  async function showOthers(since) {
    const list = $("others-list");
    list.replaceChildren();
    try {
      const revs = (await getJSON(ctx.config.urls.editorRevisions, { limit: 50, _: Date.now() })).filter((r) => r.id > since);
      const shapes = [];
      for (const r of revs.reverse()) {
        const li = document.createElement("li");
        const who = r.author || tr(LANG, "someone");
        const what = r.kind === "revert" ? tr(LANG, "ed_revertedId", { id: r.reverts_id }) : r.changes.map((c) => `${ctx.factionName(c.faction)}: ${c.summary_en || tr(LANG, "ed_noSummary")}`).join("; ");
        li.textContent = tr(LANG, "ed_idWhoWhat", { id: r.id, who, what });
        list.append(li);
        for (const c of r.changes) {
          const g = await getJSON(fillUrl(ctx.config.urls.editorChange, { id: c.id }));
          shapes.push({ geometry: g.geometry, label: `#${r.id} ${ctx.factionName(c.faction)}` });
        }
      }
      list.hidden = !revs.length;
      if (shapes.length) ctx.highlight.show(shapes);
      errBox.scrollIntoView({ block: "center" });
    } catch {
      list.hidden = true;  // the 409's own message still says what to do
    }
  }
  function clearPreview() {
    confirmed = {};
    verdict = null;
    previewBox.hidden = true;
    ctx.previewLayer.clear();
  }

  function fillFactions(factions) {
    const keep = faction.value;
    faction.replaceChildren();
    const blank = new Option(tr(LANG, "ed_choose"), "");
    blank.disabled = true;
    faction.append(blank);
    for (const f of factions) {
      const o = new Option(factionLabel(f), f.slug);  // Option(): text, never HTML
      o.style.borderInlineStart = `6px solid ${f.color}`;
      faction.append(o);
    }
    faction.value = factions.some((f) => f.slug === keep) ? keep : "";
  }

  function fillReports(list) {
    const chosen = new Set([...reports.selectedOptions].map((o) => o.value));
    reports.replaceChildren();
    const sorted = [...list].sort((a, b) => Date.parse(b.published_at) - Date.parse(a.published_at));
    for (const r of sorted) {
      const o = new Option(reportLabel(r, ctx), String(r.id), false, chosen.has(String(r.id)));
      o.title = r.summary || r.title;
      reports.append(o);
    }
    ctx.onReports(sorted);
  }

  function setInstant(date) {
    atField.setValue(date.getTime());
  }
  // The war's zone and period (first and last minute): the instant is clamped to it; a report's date is not.
  function setPeriod(first, last) {
    atField.setZone(ctx.offset, ctx.tzLabel, first, last);
    reportDate.setZone(ctx.offset, ctx.tzLabel);
  }
  form.addEventListener("input", () => { clearPreview(); clearError(); });  // clearPreview forgets the confirmations

  // The request body from the form and the drawn shapes; a sentence instead when something is missing.
  function body() {
    const geometry = ctx.draw.geometry();
    if (!geometry) return tr(LANG, "ed_drawAreaThatChanged");
    if (!faction.value) return tr(LANG, "ed_chooseFactionTakingControl");
    const ms = atField.value();
    if (ms === null) return atField.error || tr(LANG, "ed_giveInstantChange");
    const d = new Date(ms);
    const ids = [...reports.selectedOptions].map((o) => Number(o.value));
    if (!ids.length) return tr(LANG, "ed_citeLeastOneReport");
    return {
      faction: faction.value, at: isoLocal(d, ctx.offset), geometry,
      confidence: form.querySelector("input[name=confidence]:checked").value,
      report_ids: ids, note: $("f-note").value.trim(),
    };
  }

  // "1,234.5 → 1,100.0 km²" per faction a large flip moves (the refusal's detail or the preview's rows).
  function flipsText(rows) {
    return rows.map((f) => `${ctx.factionName(f.faction)} ${km2(f.area_before_km2)} → ${km2(f.area_after_km2)} km²`).join("; ");
  }

  function handleFailure(err) {
    const code = err instanceof ApiError && err.body ? err.body.error : "";
    if (code === "needs_confirmation") {
      const d = err.body.detail || {};
      const text = d.confirm === "adds_source"
        ? tr(LANG, "ed_needsSourceConfirm", { faction: ctx.factionName(faction.value) })
        : tr(LANG, "ed_needsLargeConfirm", { what: flipsText(d.flips || []) });
      showError(text, { confirm: d.confirm });
    } else if (err instanceof ApiError && err.status === 409) {
      showError(err.message, { conflict: true });
      showOthers(ctx.revision);
    } else if (err instanceof ApiError && err.status === 401) {
      showError(tr(LANG, "ed_yourSessionHasEnded"));
    } else {
      showError(err instanceof ApiError ? err.message : tr(LANG, "ed_couldNotReachServer", { msg: err.message }));
    }
  }

  // The later instants the change alters, and the later changes that take its area again: each one click away
  // (the map moves to that instant).
  function showLater(res) {
    const box = $("preview-later");
    const item = (iso, text) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link";
      b.textContent = formatLocal(new Date(iso), ctx.offset, ctx.tzLabel, LANG);
      // The map shows that instant under the preview's outlines; the change keeps its own instant.
      b.addEventListener("click", async () => {
        ctx.zoneLayer.show(await ctx.zonesAt(Date.parse(iso)));
        ctx.status(tr(LANG, "ed_mapShowsTUnder", { t: b.textContent }));
      });
      li.append(b);
      if (text) li.append(document.createTextNode(" " + text));
      return li;
    };
    const none = (t) => { const li = document.createElement("li"); li.className = "hint"; li.textContent = t; return li; };
    const later = res.later_instants || [], over = res.overridden_by || [];
    $("preview-later-list").replaceChildren(...(later.length ? later.map((iso) => item(iso)) : [none(tr(LANG, "ed_noneMapAfterThis"))]));
    $("preview-overrides").replaceChildren(...(over.length ? over.map((c) => item(c.at, `${ctx.factionName(c.faction)}, ${km2(c.km2)} km² — ${c.summary_en || ""}`))
      : [none(tr(LANG, "ed_none"))]));
    box.hidden = false;
  }

  // A change that changes nothing, stated plainly with what already says it; a large flip, named.
  function showVerdict(res) {
    const box = $("preview-nochange");
    box.hidden = !res.no_change;
    if (res.no_change) {
      const existing = res.existing || [];
      $("preview-nochange-text").textContent = [tr(LANG, "ed_noChangeHeld", { faction: ctx.factionName(faction.value) }),
        existing.length ? tr(LANG, "ed_noChangeSaidBy") : tr(LANG, "ed_noChangeInitial")].join(" ");
      $("preview-existing").replaceChildren(...existing.map((c) => {
        const li = document.createElement("li");
        const when = formatLocal(new Date(c.at), ctx.offset, ctx.tzLabel, LANG);
        const summary = (LANG === "ar" && c.summary_ar) || c.summary_en || tr(LANG, "ed_noSummary");
        const cited = c.reports.map((r) => `${r.title} — ${r.publisher}`).join("; ");
        li.textContent = `${when}: ${summary}${cited ? ` (${cited})` : ""}`;
        return li;
      }), Object.assign(document.createElement("li"), { className: "hint", textContent: tr(LANG, "ed_noChangeSaveHint") }));
    }
    const large = $("preview-large");
    const flips = res.factions.filter((f) => (res.large_flip || []).includes(f.faction));
    large.hidden = !flips.length;
    large.textContent = flips.length ? tr(LANG, "ed_largeFlip", { what: flipsText(flips) }) : "";
  }

  async function preview() {
    clearError();
    const b = body();
    if (typeof b === "string") return showError(b);
    const btn = $("preview-btn");
    btn.disabled = true;
    try {
      await runPreview(b);
    } catch (err) {
      handleFailure(err);
    } finally {
      btn.disabled = false;
    }
  }

  // Preview `b` and show it; returns what a save of it needs confirmed ("adds_source", "large" or null).
  async function runPreview(b) {
    {
      const res = await send("POST", ctx.config.urls.preview, b);
      const tbody = previewBox.querySelector("tbody");
      tbody.replaceChildren();
      for (const f of res.factions) {
        if (!f.area_before_km2 && !f.area_after_km2) continue;
        const row = document.createElement("tr");
        if (Math.abs(f.delta_km2) >= 0.05) row.className = f.delta_km2 > 0 ? "gain" : "loss";
        const name = document.createElement("th");
        name.scope = "row";
        const sw = document.createElement("span");
        sw.className = "swatch";
        sw.style.background = ctx.colors[f.faction] || "#777";
        name.append(sw, document.createTextNode(ctx.factionName(f.faction)));
        row.append(name);
        for (const v of [f.area_before_km2, f.area_after_km2]) {
          const td = document.createElement("td");
          td.textContent = km2(v);
          row.append(td);
        }
        const d = document.createElement("td");
        d.textContent = (f.delta_km2 > 0 ? "+" : f.delta_km2 < 0 ? "−" : "") + km2(Math.abs(f.delta_km2));
        row.append(d);
        tbody.append(row);
      }
      $("preview-at").textContent = formatLocal(new Date(res.at), ctx.offset, ctx.tzLabel, LANG);
      showVerdict(res);
      previewBox.hidden = false;
      previewBox.scrollIntoView({ block: "nearest" });
      ctx.previewLayer.show(res, ctx.colors);
      showLater(res);
      verdict = res.no_change ? { need: "adds_source" }
        : (res.large_flip || []).length ? { need: "large", flips: res.factions.filter((f) => res.large_flip.includes(f.faction)) }
        : { need: null };
      return verdict;
    }
  }

  // The question Save asks before sending a change that changes nothing or a large flip.
  function askToConfirm(v) {
    showError(v.need === "adds_source" ? tr(LANG, "ed_needsSourceConfirm", { faction: ctx.factionName(faction.value) })
      : tr(LANG, "ed_needsLargeConfirm", { what: flipsText(v.flips || []) }), { confirm: v.need });
  }

  async function save(ev) {
    if (ev) ev.preventDefault();
    clearError();
    const b = body();
    if (typeof b === "string") return showError(b);
    if (!$("f-summary").value.trim()) {
      $("f-summary").focus();
      return showError(tr(LANG, "ed_writePublicSummaryOne"));
    }
    const btn = $("save-btn");
    btn.disabled = true;
    try {
      // Save asks first when the change changes nothing or flips a large area (the preview says which; the
      // server refuses such a save without the confirmation anyway).
      const v = verdict || await runPreview(b);
      if (v.need && !confirmed[v.need]) {
        askToConfirm(v);
        return;
      }
      const res = await send("POST", ctx.config.urls.changes, {
        ...b, summary_en: $("f-summary").value.trim(), summary_ar: $("f-summary-ar").value.trim(), base_revision: ctx.revision,
        confirm_adds_source: Boolean(confirmed.adds_source), confirm_large: Boolean(confirmed.large),
      });
      clearPreview();
      ctx.highlight.clear();
      ctx.draw.clear(true);
      $("f-summary").value = "";
      $("f-summary-ar").value = "";
      $("f-note").value = "";
      ctx.onSaved();
      await ctx.reload(res.revision);
      const next = ctx.move.takePending();
      const savedText = tr(LANG, "ed_savedChangeIdRevision", { id: res.change_id, rev: res.revision });
      ctx.status(savedText + (next ? ` ${ctx.statusText()}` : ""));
    } catch (err) {
      handleFailure(err);
    } finally {
      btn.disabled = false;
      ctx.updateShapeInfo();
    }
  }

  // After a 409: fetch the current map, keep the drawing and the form, let the editor check and save again.
  reloadBtn.addEventListener("click", async () => {
    reloadBtn.disabled = true;
    try {
      await ctx.reload();
      clearError();
      clearPreview();
      // The other editors' areas stay outlined until the next save, to check against.
      ctx.status(tr(LANG, "ed_reloadedRevisionRevYour", { rev: ctx.revision }));
    } catch (err) {
      handleFailure(err);
    } finally {
      reloadBtn.disabled = false;
    }
  });

  $("preview-btn").addEventListener("click", preview);
  // The editor confirms what the refusal named (it adds a source; a large flip), and the same change is saved.
  confirmBtn.addEventListener("click", () => {
    if (confirmBtn.dataset.flag) confirmed[confirmBtn.dataset.flag] = true;
    save(null);
  });
  form.addEventListener("submit", save);

  // "Add a new report": stored at once, then selected in the list.
  $("r-add").addEventListener("click", async () => {
    const err = $("report-error");
    err.hidden = true;
    const ms = reportDate.value();
    const d = ms === null ? null : new Date(ms);
    const title = $("r-title").value.trim();
    const publisher = $("r-publisher").value.trim();
    const problem = !title ? tr(LANG, "ed_giveReportSTitle") : !publisher ? tr(LANG, "ed_givePublisher")
      : !d ? reportDate.error || tr(LANG, "ed_givePublicationDateTime") : "";
    if (problem) {
      err.textContent = problem;
      err.hidden = false;
      return;
    }
    const url = $("r-url").value.trim();
    try {
      const r = await send("POST", ctx.config.urls.newReport, {
        title, publisher, published_at: isoLocal(d, ctx.offset), url: url || null,
        language: $("r-lang").value, summary: $("r-summary").value.trim(),
      });
      ctx.timeline.reports.push(r);
      fillReports(ctx.timeline.reports);
      const opt = [...reports.options].find((o) => o.value === String(r.id));
      if (opt) opt.selected = true;
      for (const id of ["r-title", "r-publisher", "r-url", "r-summary"]) $(id).value = "";
      $("new-report").open = false;
      ctx.status(tr(LANG, "ed_reportAddedCitedTitle", { title: r.title }));
    } catch (e) {
      err.textContent = e instanceof ApiError ? e.message : tr(LANG, "ed_couldNotReachServer", { msg: e.message });
      err.hidden = false;
    }
  });

  // The form's state, for drafts; and its restoration.
  function state() {
    return {
      faction: faction.value, at: atField.text(), confidence: form.querySelector("input[name=confidence]:checked").value,
      reports: [...reports.selectedOptions].map((o) => Number(o.value)),
      summary_en: $("f-summary").value, summary_ar: $("f-summary-ar").value, note: $("f-note").value,
    };
  }
  function restore(d) {
    if (d.faction && [...faction.options].some((o) => o.value === d.faction)) faction.value = d.faction;
    if (d.at) {
      atField.setText(d.at);  // a draft's text as it was typed (older drafts: "2024-11-29T10:00")
      if (atField.ms !== null) ctx.time.set(atField.ms, { silent: true });
    }
    const conf = form.querySelector(`input[name=confidence][value="${["claimed", "inferred"].includes(d.confidence) ? d.confidence : "confirmed"}"]`);
    if (conf) conf.checked = true;
    const ids = new Set((d.reports || []).map(String));
    for (const o of reports.options) o.selected = ids.has(o.value);
    $("f-summary").value = d.summary_en || "";
    $("f-summary-ar").value = d.summary_ar || "";
    $("f-note").value = d.note || "";
  }
  function setFaction(slug) {
    faction.value = slug;
  }

  return { fillFactions, fillReports, setInstant, setPeriod, clearPreview, clearError, showError, state, restore, setFaction,
    faction: () => faction.value };
}
