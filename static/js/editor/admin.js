// The accounts page (admins only; the server refuses everyone else): add an account, change its role,
// disable or enable it, reset its password. A generated password is shown once, in a box the admin closes.
import { ApiError, getJSON, send } from "../shared/api.js";
import { fillUrl, readConfig } from "../shared/config.js";
import { LANG, tr } from "./i18n.js";
import { $, el } from "../shared/dom.js";

function button(text, action, cls = "btn btn-small") {
  const b = el("button", { className: cls }, text);
  b.type = "button";
  b.dataset.action = action;
  return b;
}

const config = readConfig();

function status(text) {
  $("status").textContent = text;
  $("status").hidden = !text;
}

function fail(err) {
  const box = $("error");
  box.textContent = err instanceof ApiError ? err.message : tr(LANG, "ed_couldNotReachServer", { msg: err.message });
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}

function showSecret(sentence, password) {
  $("secret-text").textContent = sentence;
  $("secret-password").textContent = password;
  $("secret").hidden = false;
  $("secret").scrollIntoView({ block: "nearest" });
}

async function act(fn) {
  $("error").hidden = true;
  try {
    await fn();
  } catch (e) {
    fail(e);
  }
}

function row(u) {
  const line = el("tr");
  line.dataset.user = u.username;
  const name = el("th", {}, u.username);
  name.scope = "row";
  if (u.id === config.me.id) name.append(el("span", { className: "hint" }, tr(LANG, "ed_you")));
  const role = el("td");
  const sel = el("select");
  sel.setAttribute("aria-label", tr(LANG, "ed_roleName", { name: u.username }));
  sel.dataset.action = "role";
  for (const r of ["editor", "admin"]) sel.append(new Option(tr(LANG, r), r, false, r === u.role));
  sel.disabled = u.id === config.me.id;
  sel.addEventListener("change", () => act(async () => {
    await send("PATCH", fillUrl(config.urls.user, { id: u.id }), { role: sel.value });
    await load();  // the table first, then the message about it
    status(tr(LANG, "ed_nameNowRoleTheir", { name: u.username, role: tr(LANG, sel.value) }));
  }));
  role.append(sel);
  // Several wars: which of them an editor edits (admins edit every war).
  const wars = config.wars || [];
  if (wars.length > 1 && u.role === "editor") {
    const set = el("fieldset", { className: "adm-wars" }, el("legend", { className: "hint" }, tr(LANG, "ed_warsEdited")));
    for (const w of wars) {
      const box = el("input", { type: "checkbox", checked: (u.wars || []).includes(w.slug) });
      box.dataset.war = w.slug;
      box.addEventListener("change", () => act(async () => {
        const chosen = [...set.querySelectorAll("input[data-war]")].filter((b) => b.checked).map((b) => b.dataset.war);
        await send("PATCH", fillUrl(config.urls.user, { id: u.id }), { wars: chosen });
        await load();
        status(tr(LANG, "ed_warsSaved", { name: u.username }));
      }));
      set.append(el("label", {}, box, " ", (LANG === "ar" && w.title_ar) || w.title_en));
    }
    role.append(set);
  }
  const state = el("td", { className: u.active ? "adm-active" : "adm-disabled" }, tr(LANG, u.active ? "active" : "disabled"));
  const seen = el("td", {}, u.last_sign_in ? new Date(u.last_sign_in).toISOString().slice(0, 16).replace("T", " ") + " UTC" : tr(LANG, "never"));
  if (u.sessions) seen.append(el("span", { className: "hint" }, u.sessions > 1 ? tr(LANG, "ed_nSessions", { n: u.sessions }) : tr(LANG, "ed_oneSession")));
  const actions = el("td", { className: "adm-actions" });
  if (u.id !== config.me.id) {
    const toggle = button(tr(LANG, u.active ? "ed_disable" : "ed_enable"), u.active ? "disable" : "enable", u.active ? "btn btn-small btn-danger" : "btn btn-small");
    toggle.addEventListener("click", () => act(async () => {
      await send("PATCH", fillUrl(config.urls.user, { id: u.id }), { active: !u.active });
      await load();  // the table first, then the message about it
      status(tr(LANG, u.active ? "ed_nameDisabledSignedOut" : "ed_nameCanSignAgain", { name: u.username }));
    }));
    actions.append(toggle);
  }
  const reset = button(tr(LANG, "ed_resetPassword"), "reset");
  const box = el("div", { className: "adm-reset" });
  box.hidden = true;
  const label = el("label", {}, tr(LANG, "ed_newPassword"));
  const pw = el("input");
  pw.type = "password";
  pw.autocomplete = "new-password";
  pw.maxLength = 1000;
  pw.placeholder = tr(LANG, "ed_emptyGenerateOne");
  label.append(pw);
  const go = button(tr(LANG, "ed_setPassword"), "confirm-reset", "btn btn-small btn-primary");
  const cancel = button(tr(LANG, "ed_cancel"), "cancel", "btn btn-small btn-ghost");
  box.append(label, go, cancel);
  reset.addEventListener("click", () => { box.hidden = false; reset.hidden = true; pw.focus(); });
  cancel.addEventListener("click", () => { box.hidden = true; reset.hidden = false; });
  go.addEventListener("click", () => act(async () => {
    const res = await send("POST", fillUrl(config.urls.password, { id: u.id }), pw.value ? { password: pw.value } : {});
    await load();  // the table first, then the message about it
    if (res.password) showSecret(tr(LANG, "ed_newPasswordNameTheir", { name: u.username }), res.password);
    else status(tr(LANG, "ed_passwordNameChangedTheir", { name: u.username }));
  }));
  actions.append(reset, box);
  line.append(name, role, state, seen, actions);
  return line;
}

async function load() {
  const users = await getJSON(config.urls.users, { _: Date.now() });
  $("users").querySelector("tbody").replaceChildren(...users.map(row));
}

$("add-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  act(async () => {
    const username = $("a-name").value.trim();
    if (!username) throw new Error(tr(LANG, "ed_giveUserName"));
    const password = $("a-password").value;
    const res = await send("POST", config.urls.users, { username, role: $("a-role").value, ...(password ? { password } : {}) });
    $("a-name").value = "";
    $("a-password").value = "";
    await load();  // the table first, then the message about it
    if (res.password) showSecret(tr(LANG, "ed_accountAddedPassword", { name: res.username, role: tr(LANG, res.role) }), res.password);
    else status(tr(LANG, "ed_accountAdded", { name: res.username, role: tr(LANG, res.role) }));
  });
});
$("secret-done").addEventListener("click", () => {
  $("secret").hidden = true;
  $("secret-password").textContent = "";
});

load().then(() => { document.body.dataset.ready = "1"; }, fail);
