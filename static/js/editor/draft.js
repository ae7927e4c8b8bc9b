// Drafts that survive: the drawing and the form are saved in this browser's localStorage, per editor, at
// every change; they come back after a reload, a crash or a closed tab, until the change is saved or the
// draft discarded. Leaving the page with unsaved work asks first (the browser's own "leave site?" prompt).

const PREFIX = "frontline:editor-draft:v1:";

// The storage key of an editor's draft: one per user name (editors sharing a browser keep theirs apart) and per
// war (a draft of one war never comes back in another; the default war keeps the key of before wars).
export function draftKey(username, war = null) {
  return PREFIX + (username || "?") + (war ? `@${war}` : "");
}

// Whether a draft holds anything worth keeping (pure; tested without a browser).
export function hasContent(d) {
  if (!d) return false;
  return Boolean(d.geometry || d.pending || (d.summary_en || "").trim() || (d.summary_ar || "").trim() || (d.note || "").trim());
}

export class Drafts {
  constructor(username, storage = window.localStorage, war = null) {
    this.key = draftKey(username, war);
    this.storage = storage;
  }

  load() {
    try {
      const raw = this.storage.getItem(this.key);
      const d = raw ? JSON.parse(raw) : null;
      return d && d.v === 1 ? d : null;
    } catch {
      return null;  // a corrupt draft is dropped, never a broken page
    }
  }

  save(d) {
    try {
      if (hasContent(d)) this.storage.setItem(this.key, JSON.stringify({ ...d, v: 1, savedAt: new Date().toISOString() }));
      else this.storage.removeItem(this.key);
    } catch {
      // Storage full or disabled (private mode): the page still works, only without drafts.
    }
  }

  clear() {
    try {
      this.storage.removeItem(this.key);
    } catch { /* see save() */ }
  }
}

// Ask before leaving while `unsaved()` is true (Chromium and Firefox show their own wording).
export function warnOnLeave(unsaved) {
  window.addEventListener("beforeunload", (e) => {
    if (!unsaved()) return;
    e.preventDefault();
    e.returnValue = "";  // older browsers need a value to show the prompt
  });
}
