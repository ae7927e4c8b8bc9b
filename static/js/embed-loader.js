// Frontline embed loader: the small script that goes with the iframe snippet on a host page. It sizes each
// Frontline iframe to the height its content reports. It trusts a message only when it comes from the
// window of an iframe on this page whose src is on the Frontline origin (where this script was loaded from),
// and from that origin; it never evaluates anything.
(function () {
  "use strict";
  if (window.__frontlineEmbedLoader) return;
  window.__frontlineEmbedLoader = true;

  function originOf(src) {
    try { return new URL(src, window.location.href).origin; } catch (e) { return null; }
  }

  // The Frontline origin is where this script came from: only frames from there are sized.
  var me = document.currentScript;
  if (!me) {
    var scripts = document.getElementsByTagName("script");
    for (var j = 0; j < scripts.length; j++) if (/\/embed-loader\.js(\?|$)/.test(scripts[j].src)) me = scripts[j];
  }
  var frontline = me ? originOf(me.src) : null;

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!frontline || event.origin !== frontline) return;
    if (!data || typeof data !== "object" || data.type !== "frontline:height") return;
    var height = Number(data.height);
    if (!isFinite(height) || height < 100 || height > 5000) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      if (frame.contentWindow !== event.source) continue;
      if (originOf(frame.src) !== event.origin) return;
      frame.style.aspectRatio = "auto";
      frame.style.height = Math.round(height) + "px";
      frame.setAttribute("data-frontline-height", String(Math.round(height)));
      return;
    }
  });
})();
