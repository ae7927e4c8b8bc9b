// Starts Swagger UI (/docs) or ReDoc (/redoc) on the app's OpenAPI description. A file, not an inline script,
// so the pages work under the app's Content-Security-Policy (script-src 'self'); both libraries are served
// from /vendor (installed from npm at set-up), never from a CDN.
(function () {
  const body = document.body;
  const spec = body.dataset.spec;
  const root = document.getElementById("apidocs");
  if (body.dataset.kind === "swagger") {
    window.SwaggerUIBundle({
      url: spec,
      domNode: root,
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      // No validator badge: it would call an outside service.
      validatorUrl: null,
    });
    body.dataset.ready = "1";
  } else {
    // Search runs in a Web Worker built from a blob: URL, which the CSP refuses; the page works without it.
    window.Redoc.init(spec, { disableSearch: true, hideDownloadButton: false }, root, () => { body.dataset.ready = "1"; });
  }
})();
