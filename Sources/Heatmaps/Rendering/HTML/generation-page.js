// The generation page's shading, in plain JavaScript. It reads the text and
// the weights from the JSON in #generation-data (written by
// GenerationPageRenderer.dataJSON) and fills the elements of
// generation-page.html.
//
// Read top to bottom: the data and its decoding, combining maps into one
// row, shading the tokens by it, the selects and the colour scale, and the
// start, which waits for the weights to be inflated.
(function () {
"use strict";

function element(id) { return document.getElementById(id); }
function range(count) { var list = []; for (var index = 0; index < count; index++) list.push(index); return list; }

// --- The data --------------------------------------------------------------------

var data = JSON.parse(element("generation-data").textContent);
// P prompt tokens, then G written ones; N layers of H heads.
var promptCount = data.prompt, tokenCount = data.labels.length, writtenCount = tokenCount - promptCount;
var layerCount = data.layers, headCount = data.heads;
// Each map holds the rows of the written tokens one after another: written
// token k (at position P + k) has the P + k weights of the tokens before it.
var rowWeights = writtenCount * promptCount + writtenCount * (writtenCount - 1) / 2;
function rowStart(k) { return k * promptCount + k * (k - 1) / 2; }

var colormap = [];
for (var hexAt = 0; hexAt < data.colormap.length; hexAt += 6) {
  colormap.push([parseInt(data.colormap.substr(hexAt, 2), 16), parseInt(data.colormap.substr(hexAt + 2, 2), 16),
    parseInt(data.colormap.substr(hexAt + 4, 2), 16)]);
}

// The 8-bit codes [N, H, R], once inflated: code c stands for c / codesPerUnit.
var codes = null;

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

// --- One row from the chosen maps ------------------------------------------------------

// A choice is a 0-based index, "mean" or "max".
var state = { layer: data.layer, head: data.head, scale: "row", active: null };

// Combines values as the choice says: its one value, their mean or their largest.
function combine(values, choice) {
  if (typeof choice === "number") return values[0];
  if (choice === "max") return Math.max.apply(null, values);
  var sum = 0;
  values.forEach(function (value) { sum += value; });
  return sum / values.length;
}

// The weights written token k gave the P + k tokens before it: each
// layer's heads combined first, then the layers, as GenerationFigure does.
function rowOf(k) {
  var layers = typeof state.layer === "number" ? [state.layer] : range(layerCount);
  var heads = typeof state.head === "number" ? [state.head] : range(headCount);
  var width = promptCount + k, start = rowStart(k), row = new Float64Array(width);
  for (var key = 0; key < width; key++) {
    var perLayer = layers.map(function (layer) {
      return combine(heads.map(function (head) {
        return codes[(layer * headCount + head) * rowWeights + start + key] / data.codesPerUnit;
      }), state.head);
    });
    row[key] = combine(perLayer, state.layer);
  }
  return row;
}

// --- Shading -----------------------------------------------------------------------------

var tokenSpans = [];

// The colormap entry of weight/top, floor(x · entries) clamped as the
// figures take it.
function colorOf(weight, top) {
  var x = top > 0 ? weight / top : 0, index = Math.floor(x * colormap.length);
  return colormap[Math.max(0, Math.min(colormap.length - 1, index))];
}
// Dark text on light cells, light text on dark ones (Rec. 601 luma).
function textColorOn(color) {
  return 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2] > 140 ? "#000000" : "#ffffff";
}

function choiceName(choice, noun) {
  if (typeof choice === "number") return noun + " " + (choice + 1);
  return choice + " of " + noun + "s";
}
function viewName() { return choiceName(state.head, "head") + ", " + choiceName(state.layer, "layer"); }

function clearShading() {
  tokenSpans.forEach(function (span) {
    span.classList.remove("active", "later");
    span.style.background = span.style.color = "";
    delete span.dataset.weight;
    span.title = span.dataset.label;
  });
}

// Shades the tokens before the written token at `index` by its row.
function shade(index) {
  clearShading();
  state.active = index;
  if (index === null) { element("status").textContent = ""; drawScale(null); return; }
  var k = index - promptCount, row = rowOf(k), top = 0;
  if (state.scale === "unit") top = 1; else row.forEach(function (weight) { top = Math.max(top, weight); });
  for (var key = 0; key < tokenCount; key++) {
    var span = tokenSpans[key];
    if (key < index) {
      var color = colorOf(row[key], top);
      span.style.background = "rgb(" + color[0] + "," + color[1] + "," + color[2] + ")";
      span.style.color = textColorOn(color);
      span.dataset.weight = row[key].toFixed(4);
      span.title = span.dataset.label + ": " + row[key].toFixed(4);
    } else if (key > index) {
      span.classList.add("later");
      span.title = span.dataset.label + ": masked";
    }
  }
  tokenSpans[index].classList.add("active");
  var strongest = range(row.length).sort(function (a, b) { return row[b] - row[a]; }).slice(0, 5);
  element("status").textContent = "“" + data.labels[index] + "” (written token " + (k + 1) + " of " +
    writtenCount + "), " + viewName() + ": " + strongest.map(function (key) {
      return data.labels[key] + " " + row[key].toFixed(3);
    }).join(", ");
  drawScale(top);
}

// --- The colour scale and the selects ------------------------------------------------------

function drawScale(top) {
  var canvas = element("colorbar"), context = canvas.getContext("2d");
  canvas.width = colormap.length;
  var image = context.createImageData(colormap.length, 1);
  colormap.forEach(function (color, index) {
    image.data.set([color[0], color[1], color[2], 255], index * 4);
  });
  context.putImageData(image, 0, 0);
  element("scale-high").textContent = top === null ? "" : top.toFixed(3);
  element("scale-caption").textContent = top === null ? "attention weight" :
    "attention weight of “" + data.labels[state.active] + "”, " + viewName() +
    (state.scale === "unit" ? "" : " (0 to its largest)");
}

function fillSelects() {
  [["layer", layerCount, "layer"], ["head", headCount, "head"]].forEach(function (spec) {
    var select = element(spec[0]);
    ["mean", "max"].concat(range(spec[1])).forEach(function (choice) {
      var option = document.createElement("option");
      option.value = String(choice);
      option.textContent = typeof choice === "number" ? String(choice + 1) : choice + " of " + spec[2] + "s";
      select.appendChild(option);
    });
    select.value = String(state[spec[0]]);
    select.addEventListener("change", function () {
      state[spec[0]] = /^[0-9]+$/.test(select.value) ? +select.value : select.value;
      shade(state.active);
    });
  });
  element("scale").addEventListener("change", function () { state.scale = element("scale").value; shade(state.active); });
}

// --- The text ------------------------------------------------------------------------------

function fillText() {
  var box = element("text");
  for (var index = 0; index < tokenCount; index++) {
    var span = document.createElement("span"), written = index >= promptCount;
    span.className = "token " + (written ? "written" : "prompt");
    var piece = data.texts[index];
    if (piece === "") { piece = "·"; span.classList.add("empty"); }
    span.textContent = piece;
    span.dataset.index = index;
    span.dataset.label = data.labels[index];
    span.title = data.labels[index];
    if (written) span.tabIndex = 0;
    box.appendChild(span);
    tokenSpans.push(span);
  }
  function writtenTarget(event) {
    var span = event.target.closest && event.target.closest(".token.written");
    return span ? +span.dataset.index : null;
  }
  box.addEventListener("mouseover", function (event) {
    var index = writtenTarget(event);
    if (index !== null && index !== state.active) shade(index);
  });
  box.addEventListener("focusin", function (event) {
    var index = writtenTarget(event);
    if (index !== null) shade(index);
  });
  box.addEventListener("keydown", function (event) {
    var index = writtenTarget(event);
    if (index === null) return;
    var next = event.key === "ArrowRight" ? index + 1 : event.key === "ArrowLeft" ? index - 1 : null;
    if (next !== null && next >= promptCount && next < tokenCount) { tokenSpans[next].focus(); event.preventDefault(); }
  });
}

// --- The start -----------------------------------------------------------------------------

if (typeof DecompressionStream !== "function" || typeof Response !== "function") {
  element("text").textContent = "This browser cannot unpack the page's data (it lacks DecompressionStream): " +
    "open the page in a current Chrome, Edge, Firefox or Safari.";
  return;
}
var started = performance.now();
inflate(data.codes).then(function (bytes) {
  if (bytes.length !== layerCount * headCount * rowWeights) {
    throw new Error(bytes.length + " codes for " + layerCount + " × " + headCount + " × " + rowWeights);
  }
  codes = bytes;
  data.codes = null;
  element("generation-data").textContent = "";
  fillSelects();
  fillText();
  // The last written token is shaded first, so that the page opens showing something.
  shade(writtenCount > 0 ? tokenCount - 1 : null);
  document.documentElement.setAttribute("data-render-ms", (performance.now() - started).toFixed(1));
}).catch(function (error) {
  element("text").textContent = "The page's data could not be decoded: " + error;
});
})();
