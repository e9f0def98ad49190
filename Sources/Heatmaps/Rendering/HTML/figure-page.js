// The figure page's drawing and interaction, in plain JavaScript. It reads
// the figure's data from the JSON in #figure-data (written by
// HTMLRenderer.dataJSON) and draws into the elements of figure-page.html.
//
// Read top to bottom: the URL's hash, the data (of the view it names) and
// its decoding, the state the page opens with, the layout of the chosen
// rows and columns, drawing it, hover and tooltip, the enlarged panel, the
// head view, the choosers, saving, theme, zoom and views, and last the
// start, which waits for the data to be decoded.
(function () {
"use strict";
var started = performance.now();

// --- The figure's data -------------------------------------------------------

// The URL's hash may choose what the page opens with, e.g.
// #dark&rows=1,6&columns=2&enlarge&query=3&zoom=100&nospecial&view=rollout.
var options = {};
location.hash.slice(1).split("&").forEach(function (part) {
  var pair = part.split("=");
  if (pair[0]) options[pair[0]] = pair.length > 1 ? decodeURIComponent(pair[1]) : "";
});
// A page may hold several views of one text (a lens each) in scripts of
// class figure-view beside #figure-data: the hash's view=NAME draws that
// one, and the View select reloads the page with another.
var dataElement = document.getElementById("figure-data");
var otherViews = Array.prototype.slice.call(document.querySelectorAll("script.figure-view"));
otherViews.forEach(function (view) { if (view.dataset.view === options.view) dataElement = view; });
var figureData = JSON.parse(dataElement.textContent);
// A grid of gridRows × gridColumns panels, each of queryCount rows (one a
// query) and keyCount columns (one a key).
var gridRows = figureData.grid[0], gridColumns = figureData.grid[1];
var queryCount = figureData.grid[2], keyCount = figureData.grid[3];
// CSS pixels per point at 100 %: 4/3 is print size; small figures are
// shown larger. zoomedScale is the one the page draws at.
var BASE_SCALE = Math.max(4 / 3, Math.min(3, 640 / figureData.width)), zoomedScale = BASE_SCALE;
var FONT = '"DejaVu Sans", "Noto Sans CJK SC", sans-serif';

function element(id) { return document.getElementById(id); }
function range(count) { var list = []; for (var index = 0; index < count; index++) list.push(index); return list; }

// The colormap's entries as [red, green, blue], from six hex digits each.
var colormap = [];
for (var hexAt = 0; hexAt < figureData.colormap.length; hexAt += 6) {
  colormap.push([parseInt(figureData.colormap.substr(hexAt, 2), 16), parseInt(figureData.colormap.substr(hexAt + 2, 2), 16),
    parseInt(figureData.colormap.substr(hexAt + 4, 2), 16)]);
}
// The entries as RGBA pixels, read in the platform's byte order just as
// an ImageData's pixels are, so one store paints a cell.
var palette = new Uint32Array(new Uint8Array([].concat.apply([], colormap.map(function (color) {
  return [color[0], color[1], color[2], 255];
}))).buffer);

// --- Decoding the cells ------------------------------------------------------

// Filled once the embedded data is decoded: every cell's colormap index,
// and its value as a number (small figures) or as a fixed-point code
// (large ones), kept as the high-byte and the low-byte plane.
var colorIndices = null, values = null, codeHigh = null, codeLow = null;

// Base64 of zlib data to its bytes, by the browser's own inflater.
function inflate(base64) {
  var bytes;
  if (Uint8Array.fromBase64) {
    bytes = Uint8Array.fromBase64(base64);
  } else {
    var text = atob(base64);
    bytes = new Uint8Array(text.length);
    for (var index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index);
  }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(stream).arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
}

// Byte planes, most significant first, back to one number per cell.
function joinPlanes(bytes, planeCount) {
  if (planeCount === 1) return bytes;
  var count = bytes.length / planeCount, joined = planeCount === 2 ? new Uint16Array(count) : new Uint32Array(count);
  for (var cell = 0; cell < count; cell++) {
    var number = 0;
    for (var plane = 0; plane < planeCount; plane++) number = number * 256 + bytes[plane * count + cell];
    joined[cell] = number;
  }
  return joined;
}

function decodeCells() {
  var decoded = [inflate(figureData.colors).then(function (bytes) {
    colorIndices = joinPlanes(bytes, figureData.colorPlanes);
  })];
  if (figureData.encoding === "json") {
    values = new Float32Array(figureData.values.length);
    for (var cell = 0; cell < values.length; cell++) {
      values[cell] = figureData.values[cell] === null ? NaN : figureData.values[cell];
    }
  } else {
    decoded.push(inflate(figureData.values).then(function (bytes) {
      codeHigh = bytes.subarray(0, bytes.length / 2); codeLow = bytes.subarray(bytes.length / 2);
    }));
  }
  return Promise.all(decoded).then(function () {
    // The page keeps only the decoded arrays, not the text they came from.
    figureData.colors = figureData.values = null;
    [element("figure-data")].concat(otherViews).forEach(function (view) { view.textContent = ""; });
  });
}

// Fixed point: code c stands for (c + offset) / 10^decimals; 0xFFFF is missing.
var MISSING = 0xFFFF, DECIMAL_POWER = Number("1e" + Math.abs(figureData.decimals || 0));
function fixedPointCode(cell) { return codeHigh[cell] << 8 | codeLow[cell]; }
function isMissing(cell) { return values ? !isFinite(values[cell]) : fixedPointCode(cell) === MISSING; }
function valueAt(cell) {
  if (values) return values[cell];
  var code = fixedPointCode(cell);
  if (code === MISSING) return NaN;
  return figureData.decimals >= 0 ? (code + figureData.offset) / DECIMAL_POWER : (code + figureData.offset) * DECIMAL_POWER;
}
// The value's text: printf's "%.{decimals}f" of the float, its rounding
// decided when the page was written; small figures show 4 digits. A NaN
// cell is named as the figure names it ("missing", or "masked").
function valueText(cell) {
  if (isMissing(cell)) return figureData.missingName || "missing";
  if (values) return Number(values[cell].toPrecision(4)).toString();
  var number = fixedPointCode(cell) + figureData.offset;
  if (figureData.decimals >= 0) return (number / DECIMAL_POWER).toFixed(figureData.decimals);
  return number === 0 ? "0" : String(number) + "0".repeat(-figureData.decimals);
}

function rowName(row) { return figureData.rowTitles ? figureData.rowTitles[row] : "row " + (row + 1); }
function columnName(column) { return figureData.titles ? figureData.titles[column] : "column " + (column + 1); }
function queryName(query) { return figureData.yTickLabels ? figureData.yTickLabels[query] : String(query); }
function keyName(key) { return figureData.xTickLabels ? figureData.xTickLabels[key] : String(key); }

// --- The view the page opens with --------------------------------------------

// A list of 1-based numbers as 0-based indices below count; none, all.
function chosen(list, count) {
  var picked = (list || "").split(",").map(function (number) { return parseInt(number, 10) - 1; })
    .filter(function (index) { return index >= 0 && index < count; });
  return picked.length ? picked : range(count);
}
// Zoom: "fit" (the default) shrinks a figure wider than the window to
// its width and leaves smaller ones at 100 %; a number is a percentage.
function zoomOption(zoom) {
  var percent = parseFloat(zoom);
  return isFinite(percent) && percent >= 10 && percent <= 800 ? percent : "fit";
}
var state = { rows: chosen(options.rows, gridRows), columns: chosen(options.columns, gridColumns),
  dark: "dark" in options, zoom: zoomOption(options.zoom) };

// --- Layout: the scene of the chosen rows and columns -------------------------

// The figure for the chosen rows and columns: the k-th chosen row goes
// where the layout put row k, and labels that the layout puts on the
// bottom row or the first column move with the last and first chosen ones.
// Each item of the scene is one thing to draw, its kind one of "panel",
// "hatch", "frame", "line", "colorbar" and "text".
function layoutScene() {
  var rows = state.rows, columns = state.columns, items = [], slots = [];
  var panel = function (row, column) { return figureData.panels[row * gridColumns + column]; };
  function shift(to, from) { return [to.f[0] - from.f[0], to.f[1] - from.f[1]]; }
  function text(label, offset, keepsColor) {
    if (label) items.push({ kind: "text", text: label, dx: offset[0], dy: offset[1], keepsColor: keepsColor });
  }
  function tickMarks(ticks, offset) {
    ticks.forEach(function (tick) {
      items.push({ kind: "line", x1: tick[0] + offset[0], y1: tick[1] + offset[1], x2: tick[2] + offset[0],
        y2: tick[3] + offset[1] });
    });
  }
  function tickLabels(ticks, offset) { ticks.forEach(function (tick) { text(tick[4], offset); }); }
  function colorbar(bar, offset) {
    var frame = [bar.f[0] + offset[0], bar.f[1] + offset[1], bar.f[2], bar.f[3]];
    items.push({ kind: "colorbar", f: frame });
    items.push({ kind: "frame", f: frame });
    tickMarks(bar.ticks, offset); tickLabels(bar.ticks, offset); text(bar.off, offset); text(bar.lab, offset);
  }
  for (var i = 0; i < rows.length; i++) {
    for (var j = 0; j < columns.length; j++) {
      var slot = panel(i, j), source = panel(rows[i], columns[j]), offset = shift(slot, source);
      var panelIndex = rows[i] * gridColumns + columns[j];
      slots.push({ f: slot.f, panel: panelIndex, row: rows[i], column: columns[j] });
      if (source.miss) items.push({ kind: "hatch", f: slot.f });
      items.push({ kind: "panel", f: slot.f, panel: panelIndex });
      items.push({ kind: "frame", f: slot.f });
      tickMarks(source.xt, offset); tickMarks(source.yt, offset);
      text(source.title, offset);
      source.ann.forEach(function (annotation) { text(annotation, offset, true); });
      if (j === 0) {
        var first = panel(rows[i], 0), fromFirst = shift(slot, first);
        tickLabels(first.yt, fromFirst); text(first.ylabel, fromFirst); text(first.rowTitle, fromFirst);
      }
      if (i === rows.length - 1) {
        var bottom = panel(gridRows - 1, columns[j]), fromBottom = shift(slot, bottom);
        tickLabels(bottom.xt, fromBottom); text(bottom.xlabel, fromBottom);
      }
      if (!figureData.shared) colorbar(figureData.colorbars[panelIndex], offset);
    }
  }
  var lastSlot = panel(rows.length - 1, columns.length - 1), lastFull = panel(gridRows - 1, gridColumns - 1);
  var growX = lastSlot.f[0] + lastSlot.f[2] - lastFull.f[0] - lastFull.f[2], growY = lastSlot.f[1] - lastFull.f[1];
  var width = figureData.width + growX, height = figureData.height + growY;
  if (figureData.shared) {
    var bar = figureData.colorbars[0];
    if (rows.length < gridRows) {
      bar = shortenedColorbar(bar, panel(0, 0).f[1], lastSlot.f[1] + lastSlot.f[3], lastFull.f[1] + lastFull.f[3]);
    }
    colorbar(bar, [growX, 0]);
  }
  return { width: width, height: height, items: items, slots: slots };
}

// The shared colorbar of fewer rows: as much shorter as the grid is,
// centred on it, its ticks where their values fall, labels thinned
// where they would overlap.
function shortenedColorbar(bar, top, bottom, fullBottom) {
  var fraction = (bottom - top) / (fullBottom - top);
  var height = bar.f[3] * fraction, y = (top + bottom) / 2 - height / 2;
  var moved = function (value) { return y + (value - bar.f[1]) * fraction; };
  var lastLabel = -Infinity, ticks = [];
  bar.ticks.slice().reverse().forEach(function (tick) {
    var movedY = moved(tick[1]), dy = movedY - tick[1], label = tick[4];
    if (label) {
      if (movedY - lastLabel < label.z * 1.4) {
        label = null;
      } else {
        lastLabel = movedY;
        label = Object.assign({}, label, { b: label.v ? label.b : label.b + dy, m: label.v ? label.m + dy : label.m });
      }
    }
    ticks.unshift([tick[0], movedY, tick[2], movedY, label]);
  });
  var offsetText = bar.off ? Object.assign({}, bar.off, { b: bar.off.b + (y - bar.f[1]) }) : null;
  // The label stays centred on the bar.
  var centre = y + height / 2 - (bar.f[1] + bar.f[3] / 2);
  var label = bar.lab ? Object.assign({}, bar.lab, { m: bar.lab.m + centre }) : null;
  return { f: [bar.f[0], y, bar.f[2], height], lo: bar.lo, hi: bar.hi, ticks: ticks, off: offsetText, lab: label };
}

// Where a text item's anchor goes, and whether it reads upwards.
function textPlacement(item) {
  var label = item.text;
  if (label.v) return { x: label.b + item.dx, y: label.m + item.dy, rotate: true };
  return { x: label.m + item.dx, y: label.b + item.dy, rotate: false };
}

// The hatch of a panel with missing cells: lines rising to the right, 3 points apart.
function hatchLines(frame) {
  var lines = [], x = frame[0], y = frame[1], width = frame[2], height = frame[3];
  for (var offset = -height; offset < width; offset += 3) {
    var start = Math.max(0, -offset), end = Math.min(height, width - offset);
    if (start < end) lines.push([x + offset + start, y + height - start, x + offset + end, y + height - end]);
  }
  return lines;
}

// --- Drawing -------------------------------------------------------------------

var panelCanvases = new Map();
var shownScene = null; // the scene on the page

// One keyCount × queryCount canvas per panel, coloured once and then only
// scaled; the colours are the entries the PNG renderer picked.
function panelCanvas(panelIndex) {
  var canvas = panelCanvases.get(panelIndex);
  if (canvas) return canvas;
  canvas = document.createElement("canvas");
  canvas.width = keyCount; canvas.height = queryCount;
  var context = canvas.getContext("2d"), image = context.createImageData(keyCount, queryCount);
  var pixels = new Uint32Array(image.data.buffer), hasMissing = figureData.panels[panelIndex].miss;
  var first = panelIndex * queryCount * keyCount;
  for (var cell = 0; cell < queryCount * keyCount; cell++) {
    if (!hasMissing || !isMissing(first + cell)) pixels[cell] = palette[colorIndices[first + cell]];
  }
  context.putImageData(image, 0, 0);
  panelCanvases.set(panelIndex, canvas);
  return canvas;
}

// The one escaper of this script, for text and attribute values in SVG.
function escapeXML(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// The scene as SVG. A saved file ("file") has everything, the panels as
// PNG images; on the page the panels are canvases between an SVG under
// them ("under": the hatch of missing cells) and one over them ("over":
// frames, ticks, texts, annotations, colorbars).
function toSVG(scene, layer) {
  var standalone = layer === "file";
  var colors = themeColors(), lineWidth = figureData.lineWidth, out = [];
  // A saved file is at 100 %, whatever the page's zoom.
  var scale = standalone ? BASE_SCALE : zoomedScale;
  out.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + (scene.width * scale).toFixed(1) + '" height="' +
    (scene.height * scale).toFixed(1) + '" viewBox="0 0 ' + scene.width.toFixed(2) + " " + scene.height.toFixed(2) +
    '" font-family="' + escapeXML(FONT) + '" style="color:' + colors.fg + '">');
  if (standalone) out.push('<rect width="100%" height="100%" fill="' + colors.bg + '"/>');
  scene.items.forEach(function (item) {
    var f = item.f;
    if (layer === "under" && item.kind !== "hatch") return;
    if (layer === "over" && item.kind === "hatch") return;
    if (item.kind === "panel") {
      if (standalone) {
        out.push('<image x="' + f[0] + '" y="' + f[1] + '" width="' + f[2] + '" height="' + f[3] +
          '" preserveAspectRatio="none" style="image-rendering:pixelated" href="' +
          panelCanvas(item.panel).toDataURL("image/png") + '"/>');
      }
    } else if (item.kind === "frame") {
      out.push('<rect x="' + f[0] + '" y="' + f[1] + '" width="' + f[2] + '" height="' + f[3] +
        '" fill="none" stroke="currentColor" stroke-width="' + lineWidth + '"/>');
    } else if (item.kind === "line") {
      out.push('<line x1="' + item.x1 + '" y1="' + item.y1 + '" x2="' + item.x2 + '" y2="' + item.y2 +
        '" stroke="currentColor" stroke-width="' + lineWidth + '"/>');
    } else if (item.kind === "hatch") {
      out.push('<rect x="' + f[0] + '" y="' + f[1] + '" width="' + f[2] + '" height="' + f[3] + '" fill="#ebebeb"/>');
      out.push('<path stroke="#9e9e9e" stroke-width="0.6" d="' + hatchLines(f).map(function (line) {
        return "M" + line[0].toFixed(2) + " " + line[1].toFixed(2) + "L" + line[2].toFixed(2) + " " + line[3].toFixed(2);
      }).join("") + '"/>');
    } else if (item.kind === "colorbar") {
      var entries = colormap.length, step = f[3] / entries;
      out.push('<g shape-rendering="crispEdges">');
      for (var entry = 0; entry < entries; entry++) {
        var color = colormap[entries - 1 - entry];
        out.push('<rect x="' + f[0] + '" y="' + (f[1] + entry * step).toFixed(3) + '" width="' + f[2] + '" height="' +
          (step + 0.05).toFixed(3) + '" fill="rgb(' + color[0] + "," + color[1] + "," + color[2] + ')"/>');
      }
      out.push("</g>");
    } else if (item.kind === "text") {
      var at = textPlacement(item), fill = item.keepsColor ? item.text.color : "currentColor";
      var place = at.rotate ? 'transform="translate(' + at.x.toFixed(2) + " " + at.y.toFixed(2) + ') rotate(-90)"'
        : 'x="' + at.x.toFixed(2) + '" y="' + at.y.toFixed(2) + '"';
      out.push("<text " + place + ' text-anchor="middle" font-size="' + item.text.z + '" fill="' + fill + '">' +
        escapeXML(item.text.s) + "</text>");
    }
  });
  out.push("</svg>");
  return out.join("\n");
}

// The same scene on a 2-D context scaled to points, for PNG output.
function drawOnCanvas(scene, context) {
  var colors = themeColors();
  context.fillStyle = colors.bg;
  context.fillRect(0, 0, scene.width, scene.height);
  context.lineWidth = figureData.lineWidth;
  scene.items.forEach(function (item) {
    var f = item.f;
    if (item.kind === "panel") {
      context.imageSmoothingEnabled = false;
      context.drawImage(panelCanvas(item.panel), f[0], f[1], f[2], f[3]);
    } else if (item.kind === "frame") {
      context.strokeStyle = colors.fg;
      context.strokeRect(f[0], f[1], f[2], f[3]);
    } else if (item.kind === "line") {
      context.strokeStyle = colors.fg;
      context.beginPath(); context.moveTo(item.x1, item.y1); context.lineTo(item.x2, item.y2); context.stroke();
    } else if (item.kind === "hatch") {
      context.fillStyle = "#ebebeb"; context.fillRect(f[0], f[1], f[2], f[3]);
      context.save(); context.strokeStyle = "#9e9e9e"; context.lineWidth = 0.6; context.beginPath();
      hatchLines(f).forEach(function (line) { context.moveTo(line[0], line[1]); context.lineTo(line[2], line[3]); });
      context.stroke(); context.restore();
    } else if (item.kind === "colorbar") {
      var entries = colormap.length, step = f[3] / entries;
      for (var entry = 0; entry < entries; entry++) {
        var color = colormap[entries - 1 - entry];
        context.fillStyle = "rgb(" + color[0] + "," + color[1] + "," + color[2] + ")";
        context.fillRect(f[0], f[1] + entry * step, f[2], step + 0.05);
      }
    } else if (item.kind === "text") {
      var at = textPlacement(item);
      context.save();
      context.fillStyle = item.keepsColor ? item.text.color : colors.fg;
      context.font = item.text.z + "px " + FONT;
      context.textAlign = "center"; context.textBaseline = "alphabetic";
      context.translate(at.x, at.y);
      if (at.rotate) context.rotate(-Math.PI / 2);
      context.fillText(item.text.s, 0, 0);
      context.restore();
    }
  });
}

function drawFigure() {
  drawFigureAtZoom();
  // A scroll bar the figure brought in narrows the room: fit once more.
  if (state.zoom === "fit" && document.documentElement.scrollWidth > document.documentElement.clientWidth) {
    drawFigureAtZoom();
  }
}
function drawFigureAtZoom() {
  var scene = layoutScene(), box = element("figure");
  shownScene = scene;
  zoomedScale = zoomScale(scene);
  box.innerHTML = toSVG(scene, "under") + toSVG(scene, "over");
  box.lastChild.setAttribute("class", "over");
  box.style.width = (scene.width * zoomedScale) + "px";
  box.style.height = (scene.height * zoomedScale) + "px";
  var ratio = window.devicePixelRatio || 1;
  scene.slots.forEach(function (slot, index) {
    var f = slot.f, canvas = document.createElement("canvas");
    canvas.style.left = (f[0] * zoomedScale) + "px"; canvas.style.top = (f[1] * zoomedScale) + "px";
    canvas.style.width = (f[2] * zoomedScale) + "px"; canvas.style.height = (f[3] * zoomedScale) + "px";
    canvas.width = Math.max(1, Math.round(f[2] * zoomedScale * ratio));
    canvas.height = Math.max(1, Math.round(f[3] * zoomedScale * ratio));
    var context = canvas.getContext("2d");
    // Sharp cells when there are pixels enough; averaged when cells are smaller than pixels.
    context.imageSmoothingEnabled = canvas.width < keyCount || canvas.height < queryCount;
    // "high" averages over every cell a pixel covers, as matplotlib's
    // antialiasing does; the default samples a few and loses thin lines.
    context.imageSmoothingQuality = "high";
    context.drawImage(panelCanvas(slot.panel), 0, 0, canvas.width, canvas.height);
    canvas.dataset.slot = index;
    box.appendChild(canvas);
  });
}

// --- Hover and tooltip -----------------------------------------------------------

// The cell under the pointer, found by arithmetic on the slot's box.
function cellAt(slot, x, y, width, height) {
  var query = Math.floor(y / height * queryCount), key = Math.floor(x / width * keyCount);
  if (query < 0 || key < 0 || query >= queryCount || key >= keyCount) return null;
  return { query: query, key: key, index: (slot.panel * queryCount + query) * keyCount + key };
}

// "row · column" of a slot, where the figure has names for them, or the
// panel's own title.
function slotName(slot) {
  if (figureData.panelTitles && figureData.panelTitles[slot.panel]) return figureData.panelTitles[slot.panel];
  var names = [];
  if (gridRows > 1 || figureData.rowTitles) names.push(rowName(slot.row));
  if (gridColumns > 1 || figureData.titles) names.push(columnName(slot.column));
  return names.join(" · ");
}

function describe(slot, cell) {
  var name = slotName(slot);
  return (name ? name + "\n" : "") + queryName(cell.query) + " → " + keyName(cell.key) + ": " + valueText(cell.index);
}

function showTooltip(text, event) {
  var tip = element("tooltip");
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
function hideTooltip() { element("tooltip").style.display = "none"; }

function hover(event) {
  var target = event.target;
  if (!target.dataset || target.dataset.slot === undefined) { hideTooltip(); return; }
  var slot = shownScene.slots[+target.dataset.slot], rect = target.getBoundingClientRect();
  var cell = cellAt(slot, event.clientX - rect.left, event.clientY - rect.top, rect.width, rect.height);
  if (cell) showTooltip(describe(slot, cell), event); else hideTooltip();
}

// --- Enlarge: a clicked panel in an overlay --------------------------------------

var enlargedSlot = null;
// The enlarged panel sits LABEL_MARGIN pixels right of and above the
// canvas's left and bottom edges, where the token labels go.
var LABEL_MARGIN = 100;
function openEnlarged(slot) {
  enlargedSlot = slot;
  var side = Math.floor(Math.min(window.innerWidth * 0.9, window.innerHeight * 0.8) - LABEL_MARGIN);
  var scale = side / Math.max(keyCount, queryCount), canvas = element("modal-canvas");
  var ratio = window.devicePixelRatio || 1;
  var width = keyCount * scale + LABEL_MARGIN, height = queryCount * scale + LABEL_MARGIN;
  canvas.style.width = width + "px"; canvas.style.height = height + "px";
  canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
  var context = canvas.getContext("2d"), colors = themeColors();
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.fillStyle = colors.bg; context.fillRect(0, 0, width, height);
  context.imageSmoothingEnabled = keyCount * scale * ratio < keyCount;
  context.imageSmoothingQuality = "high";
  context.drawImage(panelCanvas(slot.panel), LABEL_MARGIN, 0, keyCount * scale, queryCount * scale);
  context.strokeStyle = colors.fg; context.lineWidth = 1;
  context.strokeRect(LABEL_MARGIN - 0.5, -0.5, keyCount * scale + 1, queryCount * scale + 1);
  // Every n-th label, so that labels are at least 12 pixels apart.
  context.fillStyle = colors.fg; context.font = "11px " + FONT; context.textBaseline = "middle";
  var every = Math.max(1, Math.ceil(12 / scale));
  context.textAlign = "right";
  for (var query = 0; query < queryCount; query += every) {
    context.fillText(queryName(query), LABEL_MARGIN - 5, (query + 0.5) * scale, LABEL_MARGIN - 8);
  }
  for (var key = 0; key < keyCount; key += every) {
    context.save();
    context.translate(LABEL_MARGIN + (key + 0.5) * scale, queryCount * scale + 5);
    context.rotate(-Math.PI / 2);
    context.fillText(keyName(key), 0, 0, LABEL_MARGIN - 8);
    context.restore();
  }
  element("modal-title").textContent = slotName(slot);
  element("modal").classList.add("open");
}
function closeEnlarged() { element("modal").classList.remove("open"); enlargedSlot = null; hideTooltip(); }

function hoverEnlarged(event) {
  var rect = event.target.getBoundingClientRect();
  var cell = cellAt(enlargedSlot, event.clientX - rect.left - LABEL_MARGIN, event.clientY - rect.top,
    rect.width - LABEL_MARGIN, rect.height - LABEL_MARGIN);
  if (cell) showTooltip(describe(enlargedSlot, cell), event); else hideTooltip();
}

// --- The head view: queries left, keys right, a line per weight ------------------
// Hovering a token shows its lines alone; dragging over tokens of one side
// shows a span's: its rows summed (from it) or its columns summed (to it).

// The hovered token, { side: "query" or "key", index }, or null.
var headHover = null;
// A span dragged over the tokens of one side, { side, from, to } with
// from ≤ to, or null; while one is set, its summed lines replace the hover's.
var headSpan = null, headDrag = null;
// Where drawHeadView put the tokens, for finding the hovered one.
var headGeometry = null;
// Tokens a model adds around the text ([CLS], [SEP], [PAD], <s>, </s>,
// <pad>, <|endoftext|>; not [UNK] or [MASK], which stand for words). Most
// heads park their attention on them; the box leaves their lines out so
// that the lines between words get the full range of opacity.
var SPECIAL = /^(\[(CLS|SEP|PAD)\]|<\/?s>|<pad>|<\|[a-z_]+\|>)$/;
var specialQuery = range(queryCount).map(function (query) {
  return !!figureData.yTickLabels && SPECIAL.test(figureData.yTickLabels[query]);
});
var specialKey = range(keyCount).map(function (key) {
  return !!figureData.xTickLabels && SPECIAL.test(figureData.xTickLabels[key]);
});
function specialNames() {
  var names = [];
  specialQuery.forEach(function (special, query) {
    if (special && names.indexOf(queryName(query)) < 0) names.push(queryName(query));
  });
  specialKey.forEach(function (special, key) {
    if (special && names.indexOf(keyName(key)) < 0) names.push(keyName(key));
  });
  return names;
}
function headPanel() { return +element("head-row").value * gridColumns + +element("head-column").value; }

// Draws the chosen panel's lines and returns where the tokens are.
function drawHeadView() {
  var panelIndex = headPanel(), canvas = element("head-canvas"), context = canvas.getContext("2d");
  var rowHeight = 16, tokenRows = Math.max(queryCount, keyCount), top = 10, ratio = window.devicePixelRatio || 1;
  var width = 520, height = tokenRows * rowHeight + 2 * top, left = 190, right = 330;
  canvas.style.width = width + "px"; canvas.style.height = height + "px";
  canvas.width = width * ratio; canvas.height = height * ratio;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  var colors = themeColors(), accent = getComputedStyle(document.body).getPropertyValue("--accent").trim();
  context.fillStyle = colors.bg; context.fillRect(0, 0, width, height);
  context.font = "12px " + FONT; context.textBaseline = "middle";
  function queryY(query) { return top + (query + 0.5) * rowHeight * tokenRows / queryCount; }
  function keyY(key) { return top + (key + 0.5) * rowHeight * tokenRows / keyCount; }
  var first = panelIndex * queryCount * keyCount, lines = [], strongest = 0, leaveOut = element("head-special").checked;
  // With the box ticked a hovered token keeps its lines to words only,
  // and without a hover no line touches a special token.
  var keepQuery = function (query) { return !(leaveOut && specialQuery[query]); };
  var keepKey = function (key) { return !(leaveOut && specialKey[key]); };
  // Each line as [query, key, weight]; a span's lines join its middle.
  if (headSpan) {
    var middle = (headSpan.from + headSpan.to) / 2, across = headSpan.side === "query" ? keyCount : queryCount;
    for (var other = 0; other < across; other++) {
      if (headSpan.side === "query" ? !keepKey(other) : !keepQuery(other)) continue;
      var sum = 0, seen = false;
      for (var at = headSpan.from; at <= headSpan.to; at++) {
        var weight = headSpan.side === "query" ? valueAt(first + at * keyCount + other)
          : valueAt(first + other * keyCount + at);
        if (isFinite(weight)) { sum += weight; seen = true; }
      }
      lines.push(headSpan.side === "query" ? [middle, other, seen ? sum : NaN] : [other, middle, seen ? sum : NaN]);
    }
  } else if (headHover && headHover.side === "query") {
    for (var key = 0; key < keyCount; key++) {
      if (keepKey(key)) lines.push([headHover.index, key, valueAt(first + headHover.index * keyCount + key)]);
    }
  } else if (headHover) {
    for (var query = 0; query < queryCount; query++) {
      if (keepQuery(query)) lines.push([query, headHover.index, valueAt(first + query * keyCount + headHover.index)]);
    }
  } else {
    var perQuery = +element("head-k").value || keyCount;
    for (var query = 0; query < queryCount; query++) {
      if (!keepQuery(query)) continue;
      var row = [];
      for (var key = 0; key < keyCount; key++) {
        if (keepKey(key)) row.push([query, key, valueAt(first + query * keyCount + key)]);
      }
      if (perQuery < keyCount) { row.sort(function (a, b) { return b[2] - a[2]; }); row.length = perQuery; }
      lines.push.apply(lines, row);
    }
  }
  lines.forEach(function (line) { if (isFinite(line[2])) strongest = Math.max(strongest, Math.abs(line[2])); });
  context.strokeStyle = accent; context.lineWidth = 1.5;
  lines.forEach(function (line) {
    if (!isFinite(line[2]) || strongest === 0) return;
    context.globalAlpha = Math.min(1, Math.abs(line[2]) / strongest);
    context.beginPath(); context.moveTo(left + 6, queryY(line[0])); context.lineTo(right - 6, keyY(line[1]));
    context.stroke();
  });
  context.globalAlpha = 1;
  // Left-out tokens keep their place, their names faded.
  for (var query = 0; query < queryCount; query++) {
    var hovered = headHover && headHover.side === "query" && headHover.index === query;
    context.fillStyle = hovered ? accent : colors.fg; context.textAlign = "right";
    context.globalAlpha = hovered || keepQuery(query) ? 1 : 0.4;
    context.fillText(queryName(query), left, queryY(query));
  }
  for (var key = 0; key < keyCount; key++) {
    var hovered = headHover && headHover.side === "key" && headHover.index === key;
    context.fillStyle = hovered ? accent : colors.fg; context.textAlign = "left";
    context.globalAlpha = hovered || keepKey(key) ? 1 : 0.4;
    context.fillText(keyName(key), right, keyY(key));
  }
  context.globalAlpha = 1;
  if (headSpan) drawSpanMarks(context, lines, colors, accent, queryY, keyY, left, right, rowHeight * tokenRows);
  return { top: top, rowHeight: rowHeight, tokenRows: tokenRows, left: left, right: right };
}

// A span's bracket beside its tokens, its tokens in the accent, each summed
// weight written beyond the other side's token, and the span's description.
function drawSpanMarks(context, lines, colors, accent, queryY, keyY, left, right, height) {
  var query = headSpan.side === "query", y = query ? queryY : keyY, count = query ? queryCount : keyCount;
  var half = height / count / 2, x = query ? left + 2 : right - 2;
  context.strokeStyle = accent; context.lineWidth = 2;
  context.beginPath(); context.moveTo(x, y(headSpan.from) - half); context.lineTo(x, y(headSpan.to) + half);
  context.stroke();
  context.fillStyle = accent;
  for (var at = headSpan.from; at <= headSpan.to; at++) {
    context.textAlign = query ? "right" : "left";
    context.fillText(query ? queryName(at) : keyName(at), query ? left : right, y(at));
  }
  context.fillStyle = colors.fg; context.globalAlpha = 0.7;
  lines.forEach(function (line) {
    if (!isFinite(line[2])) return;
    var name = query ? keyName(line[1]) : queryName(line[0]), width = context.measureText(name).width;
    context.textAlign = query ? "left" : "right";
    context.fillText(line[2].toFixed(3), query ? right + width + 8 : left - width - 8, query ? keyY(line[1]) : queryY(line[0]));
  });
  context.globalAlpha = 1;
}

// What the head view's span is, beside its controls.
function describeSpan() {
  if (!headSpan) { element("head-span").textContent = ""; return; }
  var query = headSpan.side === "query", names = [];
  for (var at = headSpan.from; at <= headSpan.to; at++) names.push(query ? queryName(at) : keyName(at));
  var numbers = headSpan.from === headSpan.to ? String(headSpan.from) : headSpan.from + "-" + headSpan.to;
  element("head-span").textContent = (query ? "from " : "to ") + numbers + " “" + names.join(" ") + "”: " +
    (query ? "its rows" : "its columns") + " summed; Esc or a click beside the tokens clears it";
}
function redrawHeadView() { headGeometry = drawHeadView(); describeSpan(); }

// The token under the pointer, { side, index }, or null.
function headTokenAt(event) {
  var rect = element("head-canvas").getBoundingClientRect(), x = event.clientX - rect.left, y = event.clientY - rect.top;
  var geometry = headGeometry, query = x < (geometry.left + geometry.right) / 2, count = query ? queryCount : keyCount;
  var index = Math.floor((y - geometry.top) / (geometry.rowHeight * geometry.tokenRows / count));
  return index >= 0 && index < count ? { side: query ? "query" : "key", index: index } : null;
}

function hoverHeadView(event) {
  var next = headTokenAt(event);
  if (headDrag) {
    if (next && next.side === headDrag.side && next.index !== headDrag.to) { headDrag.to = next.index; setSpan(headDrag); }
    return;
  }
  if (headSpan) return;
  if (JSON.stringify(next) !== JSON.stringify(headHover)) { headHover = next; redrawHeadView(); }
}

function setSpan(drag) {
  headSpan = drag && { side: drag.side, from: Math.min(drag.from, drag.to), to: Math.max(drag.from, drag.to) };
  headHover = null;
  redrawHeadView();
}

// Pressing on a token starts a span, dragging along its side extends it,
// letting go keeps it; pressing beside the tokens clears it.
function pressHeadView(event) {
  var at = headTokenAt(event);
  event.preventDefault();
  if (!at) { headDrag = null; setSpan(null); return; }
  headDrag = { side: at.side, from: at.index, to: at.index };
  setSpan(headDrag);
}

// --- The choosers: a checkbox per row and column of panels -----------------------

function fillChoosers() {
  [["rows", gridRows, rowName], ["columns", gridColumns, columnName]].forEach(function (spec) {
    var fieldset = element(spec[0]), stateKey = spec[0];
    for (var index = 0; index < spec[1]; index++) {
      var label = document.createElement("label"), box = document.createElement("input");
      box.type = "checkbox"; box.checked = state[stateKey].indexOf(index) >= 0; box.value = index;
      box.addEventListener("change", function (event) {
        var checked = Array.prototype.filter.call(fieldset.querySelectorAll("input"), function (input) {
          return input.checked;
        }).map(function (input) { return +input.value; });
        if (checked.length === 0) { event.target.checked = true; return; }
        state[stateKey] = checked;
        drawFigure();
      });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + spec[2](index)));
      fieldset.appendChild(label);
    }
  });
  if (gridRows === 1 && gridColumns === 1) element("choosers").style.display = "none";
  [["head-row", gridRows, rowName], ["head-column", gridColumns, columnName]].forEach(function (spec) {
    var select = element(spec[0]);
    for (var index = 0; index < spec[1]; index++) {
      var option = document.createElement("option");
      option.value = index; option.textContent = spec[2](index);
      select.appendChild(option);
    }
  });
}

// --- Saving: the current view as PNG or SVG ---------------------------------------

function download(name, url) {
  var link = document.createElement("a");
  link.download = name; link.href = url;
  document.body.appendChild(link); link.click(); link.remove();
}
// The current view at the figure's dpi, as a PNG data URL.
function pngDataURL() {
  var scene = layoutScene(), scale = figureData.dpi / 72, canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.floor(scene.width * scale));
  canvas.height = Math.max(1, Math.floor(scene.height * scale));
  var context = canvas.getContext("2d");
  context.scale(scale, scale);
  drawOnCanvas(scene, context);
  return canvas.toDataURL("image/png");
}
function svgText() { return '<?xml version="1.0" encoding="UTF-8"?>\n' + toSVG(layoutScene(), "file"); }
function savePNG() { download("figure.png", pngDataURL()); }
function saveSVG() {
  var blob = new Blob([svgText()], { type: "image/svg+xml" });
  var url = URL.createObjectURL(blob);
  download("figure.svg", url);
  setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
}

// --- Theme -------------------------------------------------------------------------

function themeColors() {
  var style = getComputedStyle(document.body);
  return { bg: style.getPropertyValue("--bg").trim(), fg: style.getPropertyValue("--fg").trim() };
}
function applyTheme() {
  document.body.classList.toggle("dark", state.dark);
  element("theme").textContent = state.dark ? "Light theme" : "Dark theme";
}

// --- Zoom --------------------------------------------------------------------------

// CSS pixels per point for the scene at the chosen zoom; "fit" takes the
// room between the body's paddings, less a pixel for rounding.
function zoomScale(scene) {
  if (state.zoom !== "fit") return BASE_SCALE * state.zoom / 100;
  var room = document.documentElement.clientWidth - 25;
  return Math.max(0.05, Math.min(BASE_SCALE, room / scene.width));
}

// The select shows the hash's zoom, added as an option when it is not one.
function setUpZoom() {
  var select = element("zoom");
  select.value = String(state.zoom);
  if (select.value !== String(state.zoom)) {
    var option = document.createElement("option");
    option.value = option.textContent = String(state.zoom);
    option.textContent += " %";
    select.appendChild(option);
    select.value = String(state.zoom);
  }
  select.addEventListener("change", function () { state.zoom = zoomOption(select.value); drawFigure(); });
  var resizeQueued = false;
  window.addEventListener("resize", function () {
    if (state.zoom !== "fit" || resizeQueued) return;
    resizeQueued = true;
    requestAnimationFrame(function () { resizeQueued = false; drawFigure(); });
  });
}

// --- The start: everything waits for the data, which the browser inflates asynchronously

applyTheme();
var decodeStarted = performance.now(), decodeMs = 0;
if (typeof DecompressionStream !== "function" || typeof Response !== "function") {
  element("figure").textContent = "This browser cannot unpack the figure's data (it lacks DecompressionStream): " +
    "open the page in a current Chrome, Edge, Firefox or Safari.";
  return;
}
decodeCells().then(start, function (error) {
  element("figure").textContent = "The figure's data could not be decoded: " + error;
});

function start() {
  decodeMs = performance.now() - decodeStarted;
  fillChoosers();
  drawFigure();
  element("head-row").value = state.rows[0]; element("head-column").value = state.columns[0];
  var special = specialNames();
  element("head-special-text").textContent = "leave out " + special.join(", ");
  element("head-special").checked = "nospecial" in options;
  if (special.length === 0) element("head-special-label").style.display = "none";
  if (options.query !== undefined) {
    headHover = { side: "query", index: Math.min(queryCount - 1, Math.max(0, +options.query - 1)) };
  }
  redrawHeadView();
  var renderMs = performance.now() - started;
  document.documentElement.setAttribute("data-render-ms", renderMs.toFixed(1));
  element("render-time").textContent = "drawn in " + renderMs.toFixed(0) + " ms";

  element("figure").addEventListener("mousemove", hover);
  element("figure").addEventListener("mouseleave", hideTooltip);
  element("figure").addEventListener("click", function (event) {
    if (event.target.dataset && event.target.dataset.slot !== undefined) {
      openEnlarged(shownScene.slots[+event.target.dataset.slot]);
    }
  });
  element("modal-canvas").addEventListener("mousemove", hoverEnlarged);
  element("modal-canvas").addEventListener("mouseleave", hideTooltip);
  element("modal").addEventListener("click", function (event) { if (event.target === element("modal")) closeEnlarged(); });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    if (element("modal").classList.contains("open")) closeEnlarged(); else if (headSpan) setSpan(null);
  });
  element("head-canvas").addEventListener("mousemove", hoverHeadView);
  element("head-canvas").addEventListener("mouseleave", function () {
    if (!headSpan) { headHover = null; redrawHeadView(); }
  });
  element("head-canvas").addEventListener("mousedown", pressHeadView);
  document.addEventListener("mouseup", function () { headDrag = null; });
  ["head-row", "head-column", "head-k", "head-special"].forEach(function (id) {
    element(id).addEventListener("change", function () { headHover = null; redrawHeadView(); });
  });
  element("theme").addEventListener("click", function () {
    state.dark = !state.dark; applyTheme(); drawFigure(); redrawHeadView();
  });
  element("save-png").addEventListener("click", savePNG);
  element("save-svg").addEventListener("click", saveSVG);
  setUpZoom();
  setUpViews();

  if ("enlarge" in options) openEnlarged(shownScene.slots[0]);
  // #bench times what a user waits for and writes the numbers into the page.
  if (location.hash.indexOf("bench") >= 0) bench(renderMs);
}

// The View select, for a page of several views: choosing one reloads the
// page drawing it, with the theme kept.
function setUpViews() {
  var select = element("view");
  if (otherViews.length === 0) { element("view-label").style.display = "none"; return; }
  [element("figure-data")].concat(otherViews).forEach(function (view) {
    var option = document.createElement("option");
    option.value = option.textContent = view.dataset.view;
    select.appendChild(option);
  });
  select.value = dataElement.dataset.view;
  select.addEventListener("change", function () {
    location.hash = "view=" + encodeURIComponent(select.value) + (state.dark ? "&dark" : "");
    location.reload();
  });
}

function bench(renderMs) {
  var timings = { firstRenderMs: +renderMs.toFixed(1), decodeMs: +decodeMs.toFixed(1) };
  var canvas = element("figure").querySelector("canvas"), rect = canvas.getBoundingClientRect();
  var begun = performance.now();
  for (var n = 0; n < 1000; n++) {
    hover({ target: canvas, clientX: rect.left + (n * 7919 % 1000) / 1000 * rect.width,
      clientY: rect.top + (n * 104729 % 1000) / 1000 * rect.height });
  }
  timings.hoverMs = +((performance.now() - begun) / 1000).toFixed(4);
  begun = performance.now();
  state.rows = [0]; state.columns = [0]; drawFigure();
  state.rows = range(gridRows); state.columns = range(gridColumns); drawFigure();
  timings.chooseRedrawMs = +((performance.now() - begun) / 2).toFixed(1);
  begun = performance.now();
  headHover = { side: "query", index: 0 }; drawHeadView(); headHover = null; drawHeadView();
  timings.headViewMs = +((performance.now() - begun) / 2).toFixed(1);
  begun = performance.now();
  openEnlarged(shownScene.slots[0]); closeEnlarged();
  timings.enlargeMs = +(performance.now() - begun).toFixed(1);
  begun = performance.now();
  timings.pngBytes = Math.round(pngDataURL().length * 3 / 4);
  timings.pngMs = +(performance.now() - begun).toFixed(1);
  begun = performance.now();
  timings.svgBytes = svgText().length;
  timings.svgMs = +(performance.now() - begun).toFixed(1);
  document.documentElement.setAttribute("data-bench", JSON.stringify(timings));
}
})();
