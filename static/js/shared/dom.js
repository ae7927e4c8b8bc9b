// The one DOM helper: el("p", { className: "hint" }, "text", child) makes an element, sets its properties and
// appends the children (strings become text nodes; null, undefined and false are skipped).
export function el(tag, props = {}, ...kids) {
  const e = Object.assign(document.createElement(tag), props);
  for (const k of kids) if (k !== null && k !== undefined && k !== false) e.append(k);
  return e;
}

// The element with this id in the page.
export const $ = (id) => document.getElementById(id);
