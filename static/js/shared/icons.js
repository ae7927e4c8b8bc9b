// Small inline SVG icons (built as DOM; no icon font is needed and none is downloaded).
const NS = "http://www.w3.org/2000/svg";
const PATHS = {
  play: "M7 4.5v15l12-7.5z",
  pause: "M6 4.5h4.5v15H6zM13.5 4.5H18v15h-4.5z",
  prev: "M6 5h2.5v14H6zM19 5v14L9.5 12z",
  next: "M15.5 5H18v14h-2.5zM5 5v14l9.5-7z",
  fullscreen: "M4 4h6v2H6v4H4zm10 0h6v6h-2V6h-4zM4 14h2v4h4v2H4zm14 0h2v6h-6v-2h4z",
  exitFullscreen: "M8 4h2v6H4V8h4zm6 0h2v4h4v2h-6zM4 14h6v6H8v-4H4zm10 0h6v2h-4v4h-2z",
  calendar: "M7 2h2v2h6V2h2v2h3a1 1 0 0 1 1 1v15a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1h3zm12 8H5v9h14zM9 12v2H7v-2zm4 0v2h-2v-2zm4 0v2h-2v-2zm-8 4v2H7v-2zm4 0v2h-2v-2z",
  loop: "M7 7h9.5l-2-2 1.4-1.4L20.3 8l-4.4 4.4-1.4-1.4 2-2H7a2 2 0 0 0-2 2v2H3v-2a4 4 0 0 1 4-4zm10 10H7.5l2 2-1.4 1.4L3.7 16l4.4-4.4 1.4 1.4-2 2H17a2 2 0 0 0 2-2v-2h2v2a4 4 0 0 1-4 4z",
};

// An icon, `size` px square, coloured like the text around it.
export function icon(name, size = 18) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("icon", `icon-${name}`);
  const p = document.createElementNS(NS, "path");
  p.setAttribute("d", PATHS[name]);
  p.setAttribute("fill", "currentColor");
  svg.append(p);
  return svg;
}
