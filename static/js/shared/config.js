// Server configuration handed to the page in <body data-config> (URL templates, tiles, revision).
// JS holds no hard-coded paths: everything comes from here.
export function readConfig(doc = document) {
  const raw = doc.body.dataset.config;
  return raw ? JSON.parse(raw) : { urls: {}, tiles: {} };
}

// Fill a URL template such as "/api/revisions/{id}/revert".
export function fillUrl(template, params = {}) {
  return template.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(params[k]));
}
