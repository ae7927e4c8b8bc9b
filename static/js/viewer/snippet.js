// The embed snippet (pure, unit-tested): an iframe that keeps a 4:3 shape on its own, plus our small
// loader script that sizes it to the content's height once it reports it.
const escAttr = (s) => String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function embedSnippet({ origin, embedPath = "/embed", scriptPath = "/static/js/embed-loader.js", query = "", title = "Frontline map" }) {
  const src = `${origin}${embedPath}${query ? "?" + query : ""}`;
  return `<iframe src="${escAttr(src)}" title="${escAttr(title)}" style="width:100%;border:0;aspect-ratio:4/3" loading="lazy" allowfullscreen></iframe>`
    + `<script src="${escAttr(origin + scriptPath)}" async></script>`;
}
