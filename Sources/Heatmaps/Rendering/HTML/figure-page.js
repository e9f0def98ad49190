(function () {
"use strict";
var started = performance.now();
var D = JSON.parse(document.getElementById("figure-data").textContent);
var R = D.grid[0], C = D.grid[1], H = D.grid[2], W = D.grid[3];
// CSS pixels per point at 100 %: 4/3 is print size; small figures are
// shown larger. SCALE is the zoomed one the page draws at.
var BASE_SCALE = Math.max(4 / 3, Math.min(3, 640 / D.width)), SCALE = BASE_SCALE;
var FONT = '"DejaVu Sans", "Noto Sans CJK SC", sans-serif';
// Filled once the embedded data is decoded: every cell's colormap index,
// and its value as a number (small figures) or as a fixed-point code
// (large ones), kept as the high-byte and the low-byte plane.
var colorIndices = null, values = null, codeHigh = null, codeLow = null;
var colormap = [];
for (var i = 0; i < D.colormap.length; i += 6) {
  colormap.push([parseInt(D.colormap.substr(i, 2), 16), parseInt(D.colormap.substr(i + 2, 2), 16),
    parseInt(D.colormap.substr(i + 4, 2), 16)]);
}
// The entries as RGBA pixels, read in the platform's byte order just as
// an ImageData's pixels are, so one store paints a cell.
var palette = new Uint32Array(new Uint8Array([].concat.apply([], colormap.map(function (c) {
  return [c[0], c[1], c[2], 255];
}))).buffer);
// The URL's hash may choose the first view, e.g. #dark&rows=1,6&columns=2&enlarge&query=3&zoom=100&nospecial.
var options = {};
location.hash.slice(1).split("&").forEach(function (part) {
  var pair = part.split("=");
  if (pair[0]) options[pair[0]] = pair.length > 1 ? decodeURIComponent(pair[1]) : "";
});
function chosen(list, n) {
  var picked = (list || "").split(",").map(function (x) { return parseInt(x, 10) - 1; })
    .filter(function (k) { return k >= 0 && k < n; });
  return picked.length ? picked : range(n);
}
// Zoom: "fit" (the default) shrinks a figure wider than the window to
// its width and leaves smaller ones at 100 %; a number is a percentage.
function zoomOption(z) {
  var percent = parseFloat(z);
  return isFinite(percent) && percent >= 10 && percent <= 800 ? percent : "fit";
}
var state = { rows: chosen(options.rows, R), columns: chosen(options.columns, C), dark: "dark" in options,
  zoom: zoomOption(options.zoom) };
var offscreen = new Map();
var current = null; // the scene on the page
var $ = function (id) { return document.getElementById(id); };

function range(n) { var a = []; for (var k = 0; k < n; k++) a.push(k); return a; }

// Base64 of zlib data to its bytes, by the browser's own inflater.
function inflate(base64) {
  var bytes;
  if (Uint8Array.fromBase64) {
    bytes = Uint8Array.fromBase64(base64);
  } else {
    var text = atob(base64);
    bytes = new Uint8Array(text.length);
    for (var k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
  }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(stream).arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
}

// Byte planes, most significant first, back to one number per cell.
function joinPlanes(bytes, planes) {
  if (planes === 1) return bytes;
  var n = bytes.length / planes, out = planes === 2 ? new Uint16Array(n) : new Uint32Array(n);
  for (var k = 0; k < n; k++) {
    var x = 0;
    for (var p = 0; p < planes; p++) x = x * 256 + bytes[p * n + k];
    out[k] = x;
  }
  return out;
}

function decodeCells() {
  var decoded = [inflate(D.colors).then(function (bytes) { colorIndices = joinPlanes(bytes, D.colorPlanes); })];
  if (D.encoding === "json") {
    values = new Float32Array(D.values.length);
    for (var k = 0; k < values.length; k++) values[k] = D.values[k] === null ? NaN : D.values[k];
  } else {
    decoded.push(inflate(D.values).then(function (bytes) {
      codeHigh = bytes.subarray(0, bytes.length / 2); codeLow = bytes.subarray(bytes.length / 2);
    }));
  }
  return Promise.all(decoded).then(function () {
    // The page keeps only the decoded arrays, not the text they came from.
    D.colors = D.values = null;
    document.getElementById("figure-data").textContent = "";
  });
}

// Fixed point: code c stands for (c + offset) / 10^decimals; 0xFFFF is missing.
var MISSING = 0xFFFF, POWER = Number("1e" + Math.abs(D.decimals || 0));
function code(k) { return codeHigh[k] << 8 | codeLow[k]; }
function isMissing(k) { return values ? !isFinite(values[k]) : code(k) === MISSING; }
function valueAt(k) {
  if (values) return values[k];
  var c = code(k);
  if (c === MISSING) return NaN;
  return D.decimals >= 0 ? (c + D.offset) / POWER : (c + D.offset) * POWER;
}
// The value's text: printf's "%.{decimals}f" of the float, its rounding
// decided when the page was written; small figures show 4 digits.
function valueText(k) {
  if (isMissing(k)) return "missing";
  if (values) return Number(values[k].toPrecision(4)).toString();
  var n = code(k) + D.offset;
  if (D.decimals >= 0) return (n / POWER).toFixed(D.decimals);
  return n === 0 ? "0" : String(n) + "0".repeat(-D.decimals);
}

function escapeXML(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// One W×H canvas per panel, coloured once and then only scaled; the
// colours are the entries the PNG renderer picked.
function panelCanvas(p) {
  var canvas = offscreen.get(p);
  if (canvas) return canvas;
  canvas = document.createElement("canvas");
  canvas.width = W; canvas.height = H;
  var context = canvas.getContext("2d"), image = context.createImageData(W, H);
  var pixels = new Uint32Array(image.data.buffer), miss = D.panels[p].miss, base = p * H * W;
  for (var k = 0; k < H * W; k++) {
    if (!miss || !isMissing(base + k)) pixels[k] = palette[colorIndices[base + k]];
  }
  context.putImageData(image, 0, 0);
  offscreen.set(p, canvas);
  return canvas;
}

function rowName(r) { return D.rowTitles ? D.rowTitles[r] : "row " + (r + 1); }
function columnName(c) { return D.titles ? D.titles[c] : "column " + (c + 1); }
function queryName(i) { return D.yTickLabels ? D.yTickLabels[i] : String(i); }
function keyName(j) { return D.xTickLabels ? D.xTickLabels[j] : String(j); }

// The figure for the chosen rows and columns: the k-th chosen row goes
// where the layout put row k, and labels that the layout puts on the
// bottom row or the first column move with the last and first chosen ones.
function scene() {
  var rows = state.rows, cols = state.columns, items = [], slots = [];
  var panel = function (r, c) { return D.panels[r * C + c]; };
  function shift(to, from) { return [to.f[0] - from.f[0], to.f[1] - from.f[1]]; }
  function text(t, d, keep) {
    if (t) items.push({ k: "text", t: t, dx: d[0], dy: d[1], keep: keep });
  }
  function tickMarks(ticks, d) {
    ticks.forEach(function (t) { items.push({ k: "line", x1: t[0] + d[0], y1: t[1] + d[1], x2: t[2] + d[0], y2: t[3] + d[1] }); });
  }
  function tickLabels(ticks, d) { ticks.forEach(function (t) { text(t[4], d); }); }
  function colorbar(bar, d) {
    var f = [bar.f[0] + d[0], bar.f[1] + d[1], bar.f[2], bar.f[3]];
    items.push({ k: "colorbar", f: f });
    items.push({ k: "frame", f: f });
    tickMarks(bar.ticks, d); tickLabels(bar.ticks, d); text(bar.off, d);
  }
  for (var i = 0; i < rows.length; i++) {
    for (var j = 0; j < cols.length; j++) {
      var slot = panel(i, j), source = panel(rows[i], cols[j]), d = shift(slot, source);
      var p = rows[i] * C + cols[j];
      slots.push({ f: slot.f, p: p, r: rows[i], c: cols[j] });
      if (source.miss) items.push({ k: "hatch", f: slot.f });
      items.push({ k: "panel", f: slot.f, p: p });
      items.push({ k: "frame", f: slot.f });
      tickMarks(source.xt, d); tickMarks(source.yt, d);
      text(source.title, d);
      source.ann.forEach(function (t) { text(t, d, true); });
      if (j === 0) {
        var first = panel(rows[i], 0), e = shift(slot, first);
        tickLabels(first.yt, e); text(first.ylabel, e); text(first.rowTitle, e);
      }
      if (i === rows.length - 1) {
        var bottom = panel(R - 1, cols[j]), b = shift(slot, bottom);
        tickLabels(bottom.xt, b); text(bottom.xlabel, b);
      }
      if (!D.shared) colorbar(D.colorbars[p], d);
    }
  }
  var lastSlot = panel(rows.length - 1, cols.length - 1), lastFull = panel(R - 1, C - 1);
  var gx = lastSlot.f[0] + lastSlot.f[2] - lastFull.f[0] - lastFull.f[2], gy = lastSlot.f[1] - lastFull.f[1];
  var width = D.width + gx, height = D.height + gy;
  if (D.shared) {
    var bar = D.colorbars[0];
    if (rows.length < R) bar = shortenedColorbar(bar, panel(0, 0).f[1], lastSlot.f[1] + lastSlot.f[3],
      lastFull.f[1] + lastFull.f[3]);
    colorbar(bar, [gx, 0]);
  }
  return { width: width, height: height, items: items, slots: slots };
}

// The shared colorbar of fewer rows: as much shorter as the grid is,
// centred on it, its ticks where their values fall, labels thinned
// where they would overlap.
function shortenedColorbar(bar, top, bottom, fullBottom) {
  var fraction = (bottom - top) / (fullBottom - top);
  var height = bar.f[3] * fraction, y = (top + bottom) / 2 - height / 2;
  var moved = function (v) { return y + (v - bar.f[1]) * fraction; };
  var lastLabel = -Infinity, ticks = [];
  bar.ticks.slice().reverse().forEach(function (t) {
    var ny = moved(t[1]), dy = ny - t[1], label = t[4];
    if (label) {
      if (ny - lastLabel < label.z * 1.4) label = null;
      else { lastLabel = ny; label = Object.assign({}, label, { b: label.v ? label.b : label.b + dy, m: label.v ? label.m + dy : label.m }); }
    }
    ticks.unshift([t[0], ny, t[2], ny, label]);
  });
  var off = bar.off ? Object.assign({}, bar.off, { b: bar.off.b + (y - bar.f[1]) }) : null;
  return { f: [bar.f[0], y, bar.f[2], height], lo: bar.lo, hi: bar.hi, ticks: ticks, off: off };
}

function textPlacement(item) {
  var t = item.t;
  if (t.v) return { x: t.b + item.dx, y: t.m + item.dy, rotate: true };
  return { x: t.m + item.dx, y: t.b + item.dy, rotate: false };
}

function hatchLines(f) {
  var lines = [], x = f[0], y = f[1], w = f[2], h = f[3];
  for (var o = -h; o < w; o += 3) {
    var a = Math.max(0, -o), b = Math.min(h, w - o);
    if (a < b) lines.push([x + o + a, y + h - a, x + o + b, y + h - b]);
  }
  return lines;
}

function themeColors() {
  var style = getComputedStyle(document.body);
  return { bg: style.getPropertyValue("--bg").trim(), fg: style.getPropertyValue("--fg").trim() };
}

// The scene as SVG. A saved file ("file") has everything, the panels as
// PNG images; on the page the panels are canvases between an SVG under
// them ("under": the hatch of missing cells) and one over them ("over":
// frames, ticks, texts, annotations, colorbars).
function toSVG(sc, layer) {
  var standalone = layer === "file";
  var colors = themeColors(), lw = D.lineWidth, out = [];
  // A saved file is at 100 %, whatever the page's zoom.
  var scale = standalone ? BASE_SCALE : SCALE;
  out.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + (sc.width * scale).toFixed(1) + '" height="' +
    (sc.height * scale).toFixed(1) + '" viewBox="0 0 ' + sc.width.toFixed(2) + " " + sc.height.toFixed(2) +
    '" font-family="' + escapeXML(FONT) + '" style="color:' + colors.fg + '">');
  if (standalone) out.push('<rect width="100%" height="100%" fill="' + colors.bg + '"/>');
  sc.items.forEach(function (it) {
    var f = it.f;
    if (layer === "under" && it.k !== "hatch") return;
    if (layer === "over" && it.k === "hatch") return;
    if (it.k === "panel") {
      if (standalone) {
        out.push('<image x="' + f[0] + '" y="' + f[1] + '" width="' + f[2] + '" height="' + f[3] +
          '" preserveAspectRatio="none" style="image-rendering:pixelated" href="' +
          panelCanvas(it.p).toDataURL("image/png") + '"/>');
      }
    } else if (it.k === "frame") {
      out.push('<rect x="' + f[0] + '" y="' + f[1] + '" width="' + f[2] + '" height="' + f[3] +
        '" fill="none" stroke="currentColor" stroke-width="' + lw + '"/>');
    } else if (it.k === "line") {
      out.push('<line x1="' + it.x1 + '" y1="' + it.y1 + '" x2="' + it.x2 + '" y2="' + it.y2 +
        '" stroke="currentColor" stroke-width="' + lw + '"/>');
    } else if (it.k === "hatch") {
      out.push('<rect x="' + f[0] + '" y="' + f[1] + '" width="' + f[2] + '" height="' + f[3] + '" fill="#ebebeb"/>');
      out.push('<path stroke="#9e9e9e" stroke-width="0.6" d="' + hatchLines(f).map(function (l) {
        return "M" + l[0].toFixed(2) + " " + l[1].toFixed(2) + "L" + l[2].toFixed(2) + " " + l[3].toFixed(2);
      }).join("") + '"/>');
    } else if (it.k === "colorbar") {
      var n = colormap.length, step = f[3] / n;
      out.push('<g shape-rendering="crispEdges">');
      for (var k = 0; k < n; k++) {
        var c = colormap[n - 1 - k];
        out.push('<rect x="' + f[0] + '" y="' + (f[1] + k * step).toFixed(3) + '" width="' + f[2] + '" height="' +
          (step + 0.05).toFixed(3) + '" fill="rgb(' + c[0] + "," + c[1] + "," + c[2] + ')"/>');
      }
      out.push("</g>");
    } else if (it.k === "text") {
      var at = textPlacement(it), fill = it.keep ? it.t.color : "currentColor";
      var place = at.rotate ? 'transform="translate(' + at.x.toFixed(2) + " " + at.y.toFixed(2) + ') rotate(-90)"'
        : 'x="' + at.x.toFixed(2) + '" y="' + at.y.toFixed(2) + '"';
      out.push("<text " + place + ' text-anchor="middle" font-size="' + it.t.z + '" fill="' + fill + '">' +
        escapeXML(it.t.s) + "</text>");
    }
  });
  out.push("</svg>");
  return out.join("\n");
}

// The same scene on a 2-D context scaled to points, for PNG output.
function drawOnCanvas(sc, context) {
  var colors = themeColors();
  context.fillStyle = colors.bg;
  context.fillRect(0, 0, sc.width, sc.height);
  context.lineWidth = D.lineWidth;
  sc.items.forEach(function (it) {
    var f = it.f;
    if (it.k === "panel") {
      context.imageSmoothingEnabled = false;
      context.drawImage(panelCanvas(it.p), f[0], f[1], f[2], f[3]);
    } else if (it.k === "frame") {
      context.strokeStyle = colors.fg;
      context.strokeRect(f[0], f[1], f[2], f[3]);
    } else if (it.k === "line") {
      context.strokeStyle = colors.fg;
      context.beginPath(); context.moveTo(it.x1, it.y1); context.lineTo(it.x2, it.y2); context.stroke();
    } else if (it.k === "hatch") {
      context.fillStyle = "#ebebeb"; context.fillRect(f[0], f[1], f[2], f[3]);
      context.save(); context.strokeStyle = "#9e9e9e"; context.lineWidth = 0.6; context.beginPath();
      hatchLines(f).forEach(function (l) { context.moveTo(l[0], l[1]); context.lineTo(l[2], l[3]); });
      context.stroke(); context.restore();
    } else if (it.k === "colorbar") {
      var n = colormap.length, step = f[3] / n;
      for (var k = 0; k < n; k++) {
        var c = colormap[n - 1 - k];
        context.fillStyle = "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")";
        context.fillRect(f[0], f[1] + k * step, f[2], step + 0.05);
      }
    } else if (it.k === "text") {
      var at = textPlacement(it);
      context.save();
      context.fillStyle = it.keep ? it.t.color : colors.fg;
      context.font = it.t.z + "px " + FONT;
      context.textAlign = "center"; context.textBaseline = "alphabetic";
      context.translate(at.x, at.y);
      if (at.rotate) context.rotate(-Math.PI / 2);
      context.fillText(it.t.s, 0, 0);
      context.restore();
    }
  });
}

// CSS pixels per point for the scene at the chosen zoom; "fit" takes the
// room between the body's paddings, less a pixel for rounding.
function zoomScale(sc) {
  if (state.zoom !== "fit") return BASE_SCALE * state.zoom / 100;
  var room = document.documentElement.clientWidth - 25;
  return Math.max(0.05, Math.min(BASE_SCALE, room / sc.width));
}

function drawFigure() {
  drawFigureAtZoom();
  // A scroll bar the figure brought in narrows the room: fit once more.
  if (state.zoom === "fit" && document.documentElement.scrollWidth > document.documentElement.clientWidth) {
    drawFigureAtZoom();
  }
}
function drawFigureAtZoom() {
  var sc = scene(), box = $("figure");
  current = sc;
  SCALE = zoomScale(sc);
  box.innerHTML = toSVG(sc, "under") + toSVG(sc, "over");
  box.lastChild.setAttribute("class", "over");
  box.style.width = (sc.width * SCALE) + "px";
  box.style.height = (sc.height * SCALE) + "px";
  var ratio = window.devicePixelRatio || 1;
  sc.slots.forEach(function (slot, index) {
    var f = slot.f, canvas = document.createElement("canvas");
    canvas.style.left = (f[0] * SCALE) + "px"; canvas.style.top = (f[1] * SCALE) + "px";
    canvas.style.width = (f[2] * SCALE) + "px"; canvas.style.height = (f[3] * SCALE) + "px";
    canvas.width = Math.max(1, Math.round(f[2] * SCALE * ratio));
    canvas.height = Math.max(1, Math.round(f[3] * SCALE * ratio));
    var context = canvas.getContext("2d");
    // Sharp cells when there are pixels enough; averaged when cells are smaller than pixels.
    context.imageSmoothingEnabled = canvas.width < W || canvas.height < H;
    // "high" averages over every cell a pixel covers, as matplotlib's
    // antialiasing does; the default samples a few and loses thin lines.
    context.imageSmoothingQuality = "high";
    context.drawImage(panelCanvas(slot.p), 0, 0, canvas.width, canvas.height);
    canvas.dataset.slot = index;
    box.appendChild(canvas);
  });
}

// Hover: the cell under the pointer, found by arithmetic on the slot's box.
function cellAt(slot, x, y, width, height) {
  var i = Math.floor(y / height * H), j = Math.floor(x / width * W);
  if (i < 0 || j < 0 || i >= H || j >= W) return null;
  return { i: i, j: j, k: (slot.p * H + i) * W + j };
}

function describe(slot, cell) {
  var head = [];
  if (R > 1 || D.rowTitles) head.push(rowName(slot.r));
  if (C > 1 || D.titles) head.push(columnName(slot.c));
  return (head.length ? head.join(" · ") + "\n" : "") + queryName(cell.i) + " → " + keyName(cell.j) + ": " +
    valueText(cell.k);
}

function showTooltip(text, event) {
  var tip = $("tooltip");
  tip.textContent = text;
  tip.style.display = "block";
  // Below right of the pointer, or flipped to its other side where the
  // window would cut the tip off.
  var width = tip.offsetWidth, height = tip.offsetHeight;
  var left = event.clientX + 14, top = event.clientY + 14;
  if (left + width > window.innerWidth - 4) left = Math.max(4, event.clientX - 14 - width);
  if (top + height > window.innerHeight - 4) top = Math.max(4, event.clientY - 14 - height);
  tip.style.left = left + "px";
  tip.style.top = top + "px";
}
function hideTooltip() { $("tooltip").style.display = "none"; }

function hover(event) {
  var target = event.target;
  if (!target.dataset || target.dataset.slot === undefined) { hideTooltip(); return; }
  var slot = current.slots[+target.dataset.slot], rect = target.getBoundingClientRect();
  var cell = cellAt(slot, event.clientX - rect.left, event.clientY - rect.top, rect.width, rect.height);
  if (cell) showTooltip(describe(slot, cell), event); else hideTooltip();
}

// Click: the panel enlarged in an overlay.
var modalSlot = null;
// The enlarged panel sits MARGIN pixels right of and above the canvas's
// left and bottom edges, where the token labels go.
var MARGIN = 100;
function openModal(slot) {
  modalSlot = slot;
  var side = Math.floor(Math.min(window.innerWidth * 0.9, window.innerHeight * 0.8) - MARGIN);
  var scale = side / Math.max(W, H), canvas = $("modal-canvas"), ratio = window.devicePixelRatio || 1;
  var width = W * scale + MARGIN, height = H * scale + MARGIN;
  canvas.style.width = width + "px"; canvas.style.height = height + "px";
  canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
  var context = canvas.getContext("2d"), colors = themeColors();
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.fillStyle = colors.bg; context.fillRect(0, 0, width, height);
  context.imageSmoothingEnabled = W * scale * ratio < W;
  context.imageSmoothingQuality = "high";
  context.drawImage(panelCanvas(slot.p), MARGIN, 0, W * scale, H * scale);
  context.strokeStyle = colors.fg; context.lineWidth = 1;
  context.strokeRect(MARGIN - 0.5, -0.5, W * scale + 1, H * scale + 1);
  // Every k-th label, so that labels are at least 12 pixels apart.
  context.fillStyle = colors.fg; context.font = "11px " + FONT; context.textBaseline = "middle";
  var every = Math.max(1, Math.ceil(12 / scale));
  context.textAlign = "right";
  for (var i = 0; i < H; i += every) context.fillText(queryName(i), MARGIN - 5, (i + 0.5) * scale, MARGIN - 8);
  for (var j = 0; j < W; j += every) {
    context.save();
    context.translate(MARGIN + (j + 0.5) * scale, H * scale + 5);
    context.rotate(-Math.PI / 2);
    context.fillText(keyName(j), 0, 0, MARGIN - 8);
    context.restore();
  }
  var names = [];
  if (R > 1 || D.rowTitles) names.push(rowName(slot.r));
  if (C > 1 || D.titles) names.push(columnName(slot.c));
  $("modal-title").textContent = names.join(" · ");
  $("modal").classList.add("open");
}
function closeModal() { $("modal").classList.remove("open"); modalSlot = null; hideTooltip(); }

// The head view: queries left, keys right, a line per weight.
var headHover = null;
// Tokens a model adds around the text ([CLS], [SEP], [PAD], <s>, </s>,
// <pad>, <|endoftext|>; not [UNK] or [MASK], which stand for words). Most
// heads park their attention on them; the box leaves their lines out so
// that the lines between words get the full range of opacity.
var SPECIAL = /^(\[(CLS|SEP|PAD)\]|<\/?s>|<pad>|<\|[a-z_]+\|>)$/;
var specialQuery = range(H).map(function (i) { return !!D.yTickLabels && SPECIAL.test(D.yTickLabels[i]); });
var specialKey = range(W).map(function (j) { return !!D.xTickLabels && SPECIAL.test(D.xTickLabels[j]); });
function specialNames() {
  var names = [];
  specialQuery.forEach(function (s, i) { if (s && names.indexOf(queryName(i)) < 0) names.push(queryName(i)); });
  specialKey.forEach(function (s, j) { if (s && names.indexOf(keyName(j)) < 0) names.push(keyName(j)); });
  return names;
}
function headPanel() { return +$("head-row").value * C + +$("head-column").value; }
function drawHeadView() {
  var p = headPanel(), canvas = $("head-canvas"), context = canvas.getContext("2d");
  var rowHeight = 16, n = Math.max(H, W), top = 10, ratio = window.devicePixelRatio || 1;
  var width = 520, height = n * rowHeight + 2 * top, left = 190, right = 330;
  canvas.style.width = width + "px"; canvas.style.height = height + "px";
  canvas.width = width * ratio; canvas.height = height * ratio;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  var colors = themeColors(), accent = getComputedStyle(document.body).getPropertyValue("--accent").trim();
  context.fillStyle = colors.bg; context.fillRect(0, 0, width, height);
  context.font = "12px " + FONT; context.textBaseline = "middle";
  function qy(i) { return top + (i + 0.5) * rowHeight * n / H; }
  function ky(j) { return top + (j + 0.5) * rowHeight * n / W; }
  var base = p * H * W, lines = [], max = 0, hide = $("head-special").checked;
  // With the box ticked a hovered token keeps its lines to words only,
  // and without a hover no line touches a special token.
  var keepQuery = function (i) { return !(hide && specialQuery[i]); };
  var keepKey = function (j) { return !(hide && specialKey[j]); };
  if (headHover && headHover.side === "q") {
    for (var j = 0; j < W; j++) {
      if (keepKey(j)) lines.push([headHover.index, j, valueAt(base + headHover.index * W + j)]);
    }
  } else if (headHover) {
    for (var i = 0; i < H; i++) {
      if (keepQuery(i)) lines.push([i, headHover.index, valueAt(base + i * W + headHover.index)]);
    }
  } else {
    var k = +$("head-k").value || W;
    for (var i = 0; i < H; i++) {
      if (!keepQuery(i)) continue;
      var row = [];
      for (var j = 0; j < W; j++) if (keepKey(j)) row.push([i, j, valueAt(base + i * W + j)]);
      if (k < W) { row.sort(function (a, b) { return b[2] - a[2]; }); row.length = k; }
      lines.push.apply(lines, row);
    }
  }
  lines.forEach(function (l) { if (isFinite(l[2])) max = Math.max(max, Math.abs(l[2])); });
  context.strokeStyle = accent; context.lineWidth = 1.5;
  lines.forEach(function (l) {
    if (!isFinite(l[2]) || max === 0) return;
    context.globalAlpha = Math.min(1, Math.abs(l[2]) / max);
    context.beginPath(); context.moveTo(left + 6, qy(l[0])); context.lineTo(right - 6, ky(l[1])); context.stroke();
  });
  context.globalAlpha = 1;
  // Left-out tokens keep their place, their names faded.
  for (var i = 0; i < H; i++) {
    var on = headHover && headHover.side === "q" && headHover.index === i;
    context.fillStyle = on ? accent : colors.fg; context.textAlign = "right";
    context.globalAlpha = on || keepQuery(i) ? 1 : 0.4;
    context.fillText(queryName(i), left, qy(i));
  }
  for (var j = 0; j < W; j++) {
    var on = headHover && headHover.side === "k" && headHover.index === j;
    context.fillStyle = on ? accent : colors.fg; context.textAlign = "left";
    context.globalAlpha = on || keepKey(j) ? 1 : 0.4;
    context.fillText(keyName(j), right, ky(j));
  }
  context.globalAlpha = 1;
  return { top: top, rowHeight: rowHeight, n: n, left: left, right: right };
}
var headGeometry = null;
function headMove(event) {
  var rect = $("head-canvas").getBoundingClientRect(), x = event.clientX - rect.left, y = event.clientY - rect.top;
  var g = headGeometry, next = null;
  if (x < (g.left + g.right) / 2) {
    var i = Math.floor((y - g.top) / (g.rowHeight * g.n / H));
    if (i >= 0 && i < H) next = { side: "q", index: i };
  } else {
    var j = Math.floor((y - g.top) / (g.rowHeight * g.n / W));
    if (j >= 0 && j < W) next = { side: "k", index: j };
  }
  if (JSON.stringify(next) !== JSON.stringify(headHover)) { headHover = next; headGeometry = drawHeadView(); }
}

// The choosers: a checkbox per row and column of panels.
function fillChoosers() {
  [["rows", R, rowName, "rows"], ["columns", C, columnName, "columns"]].forEach(function (spec) {
    var set = $(spec[0]);
    for (var k = 0; k < spec[1]; k++) {
      var label = document.createElement("label"), box = document.createElement("input");
      box.type = "checkbox"; box.checked = state[spec[3]].indexOf(k) >= 0; box.value = k;
      box.addEventListener("change", function (event) {
        var chosen = Array.prototype.filter.call(set.querySelectorAll("input"), function (b) { return b.checked; })
          .map(function (b) { return +b.value; });
        if (chosen.length === 0) { event.target.checked = true; return; }
        state[spec[3]] = chosen;
        drawFigure();
      });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + spec[2](k)));
      set.appendChild(label);
    }
  });
  if (R === 1 && C === 1) $("choosers").style.display = "none";
  [["head-row", R, rowName], ["head-column", C, columnName]].forEach(function (spec) {
    var select = $(spec[0]);
    for (var k = 0; k < spec[1]; k++) {
      var option = document.createElement("option");
      option.value = k; option.textContent = spec[2](k);
      select.appendChild(option);
    }
  });
}

function download(name, url) {
  var link = document.createElement("a");
  link.download = name; link.href = url;
  document.body.appendChild(link); link.click(); link.remove();
}
// The current view at the figure's dpi, as a PNG data URL.
function pngDataURL() {
  var sc = scene(), scale = D.dpi / 72, canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.floor(sc.width * scale)); canvas.height = Math.max(1, Math.floor(sc.height * scale));
  var context = canvas.getContext("2d");
  context.scale(scale, scale);
  drawOnCanvas(sc, context);
  return canvas.toDataURL("image/png");
}
function svgText() { return '<?xml version="1.0" encoding="UTF-8"?>\n' + toSVG(scene(), "file"); }
function savePNG() { download("figure.png", pngDataURL()); }
function saveSVG() {
  var blob = new Blob([svgText()], { type: "image/svg+xml" });
  var url = URL.createObjectURL(blob);
  download("figure.svg", url);
  setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
}
function applyTheme() {
  document.body.classList.toggle("dark", state.dark);
  $("theme").textContent = state.dark ? "Light theme" : "Dark theme";
}

// Everything waits for the data, which the browser inflates asynchronously.
applyTheme();
var decodeStarted = performance.now(), decodeMs = 0;
if (typeof DecompressionStream !== "function" || typeof Response !== "function") {
  $("figure").textContent = "This browser cannot unpack the figure's data (it lacks DecompressionStream): " +
    "open the page in a current Chrome, Edge, Firefox or Safari.";
  return;
}
decodeCells().then(start, function (error) {
  $("figure").textContent = "The figure's data could not be decoded: " + error;
});

function start() {
  decodeMs = performance.now() - decodeStarted;
  fillChoosers();
  drawFigure();
  $("head-row").value = state.rows[0]; $("head-column").value = state.columns[0];
  var special = specialNames();
  $("head-special-text").textContent = "leave out " + special.join(", ");
  $("head-special").checked = "nospecial" in options;
  if (special.length === 0) $("head-special-label").style.display = "none";
  if (options.query !== undefined) headHover = { side: "q", index: Math.min(H - 1, Math.max(0, +options.query - 1)) };
  headGeometry = drawHeadView();
  var renderMs = performance.now() - started;
  document.documentElement.setAttribute("data-render-ms", renderMs.toFixed(1));
  $("render-time").textContent = "drawn in " + renderMs.toFixed(0) + " ms";

  $("figure").addEventListener("mousemove", hover);
  $("figure").addEventListener("mouseleave", hideTooltip);
  $("figure").addEventListener("click", function (event) {
    if (event.target.dataset && event.target.dataset.slot !== undefined) openModal(current.slots[+event.target.dataset.slot]);
  });
  $("modal-canvas").addEventListener("mousemove", function (event) {
    var rect = event.target.getBoundingClientRect();
    var cell = cellAt(modalSlot, event.clientX - rect.left - MARGIN, event.clientY - rect.top,
      rect.width - MARGIN, rect.height - MARGIN);
    if (cell) showTooltip(describe(modalSlot, cell), event); else hideTooltip();
  });
  $("modal-canvas").addEventListener("mouseleave", hideTooltip);
  $("modal").addEventListener("click", function (event) { if (event.target === $("modal")) closeModal(); });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") closeModal(); });
  $("head-canvas").addEventListener("mousemove", headMove);
  $("head-canvas").addEventListener("mouseleave", function () { headHover = null; headGeometry = drawHeadView(); });
  ["head-row", "head-column", "head-k", "head-special"].forEach(function (id) {
    $(id).addEventListener("change", function () { headHover = null; headGeometry = drawHeadView(); });
  });
  $("theme").addEventListener("click", function () {
    state.dark = !state.dark; applyTheme(); drawFigure(); headGeometry = drawHeadView();
  });
  $("save-png").addEventListener("click", savePNG);
  $("save-svg").addEventListener("click", saveSVG);
  $("zoom").value = String(state.zoom);
  if ($("zoom").value !== String(state.zoom)) {
    var option = document.createElement("option");
    option.value = option.textContent = String(state.zoom);
    option.textContent += " %";
    $("zoom").appendChild(option);
    $("zoom").value = String(state.zoom);
  }
  $("zoom").addEventListener("change", function () { state.zoom = zoomOption($("zoom").value); drawFigure(); });
  var resizeQueued = false;
  window.addEventListener("resize", function () {
    if (state.zoom !== "fit" || resizeQueued) return;
    resizeQueued = true;
    requestAnimationFrame(function () { resizeQueued = false; drawFigure(); });
  });

  if ("enlarge" in options) openModal(current.slots[0]);

  // #bench times what a user waits for and writes the numbers into the page.
  if (location.hash.indexOf("bench") >= 0) {
    var timings = { firstRenderMs: +renderMs.toFixed(1), decodeMs: +decodeMs.toFixed(1) };
    var canvas = $("figure").querySelector("canvas"), rect = canvas.getBoundingClientRect();
    var t = performance.now();
    for (var n = 0; n < 1000; n++) {
      hover({ target: canvas, clientX: rect.left + (n * 7919 % 1000) / 1000 * rect.width,
        clientY: rect.top + (n * 104729 % 1000) / 1000 * rect.height });
    }
    timings.hoverMs = +((performance.now() - t) / 1000).toFixed(4);
    t = performance.now();
    state.rows = [0]; state.columns = [0]; drawFigure();
    state.rows = range(R); state.columns = range(C); drawFigure();
    timings.chooseRedrawMs = +((performance.now() - t) / 2).toFixed(1);
    t = performance.now();
    headHover = { side: "q", index: 0 }; drawHeadView(); headHover = null; drawHeadView();
    timings.headViewMs = +((performance.now() - t) / 2).toFixed(1);
    t = performance.now();
    openModal(current.slots[0]); closeModal();
    timings.enlargeMs = +(performance.now() - t).toFixed(1);
    t = performance.now();
    timings.pngBytes = Math.round(pngDataURL().length * 3 / 4);
    timings.pngMs = +(performance.now() - t).toFixed(1);
    t = performance.now();
    timings.svgBytes = svgText().length;
    timings.svgMs = +(performance.now() - t).toFixed(1);
    document.documentElement.setAttribute("data-bench", JSON.stringify(timings));
  }
}
})();
