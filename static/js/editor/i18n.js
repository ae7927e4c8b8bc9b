// The editor's tr(): the one table of strings read with its part 2, the words only the editor's and the accounts
// page's scripts use (shared/strings/editor.js), on top of part 1 (shared/strings/viewer.js). The viewer never
// imports this module, so / and /embed do not download the editor's words.
import EDITOR from "../shared/strings/editor.js";
import VIEWER from "../shared/strings/viewer.js";
import { lookup } from "../shared/i18n.js";

export { factionLabel, field, km2, LANG, normLang } from "../shared/i18n.js";

const STRINGS = { ...VIEWER, ...EDITOR };

export function tr(lang, key, vars = {}) {
  return lookup(STRINGS, lang, key, vars);
}
