// The long-run page of attn serve, read top to bottom: the models; a text
// run once and kept on the server (POST /api/run); every head as a thumbnail
// pooled from it; one head explored by zooming and panning, each view drawn
// at once from what the page holds and then refined from the server, pooled
// (GET /api/runs/{id}/overview) until the cells are large, then exact
// (GET /api/runs/{id}/block). The page holds only the thumbnails and the
// open head's maps: never a long head's whole map.
// A file that carries one run's data (#long-data) opens offline instead:
// it draws only what it holds, and says where that is exact.

// Cells at least this many CSS pixels wide are read exactly, as blocks.
const EXACT_CELL_PX = 6;
// Cells at least this wide get their tokens as labels and exact hovers.
const LABEL_CELL_PX = 12;
// The most cells one block may hold; the server refuses more (422).
const MAX_BLOCK_CELLS = 65536;
// The largest pooled map the server makes, in cells a side.
const MAX_OVERVIEW = 1024;
const THUMBNAIL_CELLS = 64, THUMBNAIL_PX = 64;
// The closest zoom shows this many tokens across.
const MIN_SPAN = 8;
// The server answers about two requests at a time; more only queue there.
const MAX_IN_FLIGHT = 2;
// A view request waits for the wheel or the drag to pause this long.
const REFINE_DELAY_MS = 90;
const AXIS_FONT = "11px 'DejaVu Sans', sans-serif";
const QUERY_AXIS_PX = 150, KEY_AXIS_PX = 118;
// Texts up to this long go in the address, so a link or a reload runs them.
const MAX_TEXT_IN_ADDRESS = 4000;

function element(id) { return document.getElementById(id); }
function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }
function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }
function count(value) { return value.toLocaleString("en"); }
function mebibytes(bytes) { return (bytes / 1048576).toFixed(1) + " MiB"; }

// A refused request: its {"error"} if it has one, and its status.
class RequestError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function errorOf(response) {
  let message = response.status + " " + response.statusText;
  try {
    const answer = await response.json();
    if (answer.error) message = answer.error;
  } catch (_) {}
  return new RequestError(response.status, message);
}

function aborted(error) { return error.name === "AbortError"; }

// --- The colormap ----------------------------------------------------------------------
// The figures' Reds, 256 entries, each packed as one RGBA pixel (little
// endian, as ImageData's bytes read through a Uint32Array).

const colormapHex = JSON.parse(element("colormap").textContent);
const colormap = [];
for (let at = 0; at < colormapHex.length; at += 6) {
  colormap.push([0, 2, 4].map((offset) => parseInt(colormapHex.substr(at + offset, 2), 16)));
}
const packedColors = Uint32Array.from(colormap,
  ([red, green, blue]) => (255 << 24 | blue << 16 | green << 8 | red) >>> 0);
// Outside the map, where a view runs past its edge.
const BACKGROUND = (255 << 24 | 0xf2 << 16 | 0xf2 << 8 | 0xf2) >>> 0;

function colorbar(canvas) {
  const ratio = window.devicePixelRatio || 1, box = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(box.width * ratio));
  canvas.height = Math.max(1, Math.round(box.height * ratio));
  const context = canvas.getContext("2d");
  for (let x = 0; x < canvas.width; x++) {
    const [red, green, blue] = colormap[Math.floor(x / canvas.width * colormap.length)];
    context.fillStyle = "rgb(" + red + "," + green + "," + blue + ")";
    context.fillRect(x, 0, 1, canvas.height);
  }
}

// --- Maps of cells ---------------------------------------------------------------------
// A map is what one overview or block answers: cell (i, j) covers the
// queries rowStarts[i]..<rowStarts[i+1] and the keys colStarts[j]..<colStarts[j+1]
// (absolute token positions). A block's cells are single tokens, its weights
// kept as the very numbers the server wrote.

function mapFrom(answer) {
  const exact = answer.row_starts === undefined;
  const height = answer.weights.length, width = height > 0 ? answer.weights[0].length : 0;
  const weights = exact ? new Float64Array(height * width) : new Float32Array(height * width);
  answer.weights.forEach((row, i) => weights.set(row, i * width));
  const rowStarts = exact ? unitStarts(answer.rows) : Int32Array.from(answer.row_starts);
  const colStarts = exact ? unitStarts(answer.cols) : Int32Array.from(answer.col_starts);
  return describedMap({ rows: answer.rows, cols: answer.cols, rowStarts, colStarts, width, weights, exact,
    pooling: exact ? null : answer.pooling });
}

// The starts of cells one token each over first..<end.
function unitStarts([first, end]) { return Int32Array.from({ length: end - first + 1 }, (_, k) => first + k); }

// A map with its largest weight and how coarse it is added.
function describedMap(map) {
  let largest = 0;
  for (const weight of map.weights) if (weight > largest) largest = weight;
  // The most tokens any cell spans along a side: how coarse the map is.
  const widest = (starts) => starts.reduce((most, start, k) => k > 0 ? Math.max(most, start - starts[k - 1]) : most, 0);
  return Object.assign(map, { largest, coarseness: Math.max(widest(map.rowStarts), widest(map.colStarts)) });
}

// The cell of `starts` holding token `position`, or -1.
function cellOf(starts, position) {
  if (position < starts[0] || position >= starts[starts.length - 1]) return -1;
  let low = 0, high = starts.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (starts[middle] <= position) low = middle; else high = middle;
  }
  return low;
}

// For each of `pixels` pixels from token `origin`, `step` tokens apart, the
// cell of `starts` its centre falls in, or -1. The centres only grow, so
// one pass finds them all.
function cellsAlong(starts, origin, step, pixels) {
  const cells = new Int32Array(pixels), last = starts.length - 1;
  let cell = 0;
  for (let pixel = 0; pixel < pixels; pixel++) {
    const position = origin + (pixel + 0.5) * step;
    if (position < starts[0] || position >= starts[last]) { cells[pixel] = -1; continue; }
    while (starts[cell + 1] <= position) cell++;
    cells[pixel] = cell;
  }
  return cells;
}

// Paints `under` and, over it where it reaches, `over` (or null) into
// `image` (ImageData) as the view {top, left, span} shows them: weight 0
// is the lightest colour and `scale` the darkest. A pixel row whose cells
// are the row above's is copied, and a run of pixels in one cell is
// coloured once, so large cells cost little.
function paint(image, view, under, over, scale) {
  const { width, height } = image, pixels = new Uint32Array(image.data.buffer);
  const maps = over ? [under, over] : [under];
  const rows = maps.map((map) => cellsAlong(map.rowStarts, view.top, view.span / height, height));
  const cols = maps.map((map) => cellsAlong(map.colStarts, view.left, view.span / width, width));
  const toIndex = scale > 0 ? packedColors.length / scale : 0;
  // The pixels across that `over` covers: overFirst..<overEnd.
  let overFirst = -1, overEnd = -1;
  if (over) cols[1].forEach((cell, x) => { if (cell >= 0) { if (overFirst < 0) overFirst = x; overEnd = x + 1; } });
  for (let y = 0; y < height; y++) {
    const line = y * width;
    if (y > 0 && rows.every((cells) => cells[y] === cells[y - 1])) {
      pixels.copyWithin(line, line - width, line);
      continue;
    }
    const covered = over && rows[1][y] >= 0 && overFirst >= 0;
    if (covered) {
      paintSpan(pixels, line, 0, overFirst, cols[0], under, rows[0][y], toIndex);
      paintSpan(pixels, line, overFirst, overEnd, cols[1], over, rows[1][y], toIndex);
      paintSpan(pixels, line, overEnd, width, cols[0], under, rows[0][y], toIndex);
    } else {
      paintSpan(pixels, line, 0, width, cols[0], under, rows[0][y], toIndex);
    }
  }
}

// Pixels from..<to of one pixel row, from cell row `i` of `map` (-1: outside it).
function paintSpan(pixels, line, from, to, cells, map, i, toIndex) {
  const weights = map.weights, offset = i * map.width, darkest = packedColors.length - 1;
  let cell = -2, color = BACKGROUND;
  for (let x = from; x < to; x++) {
    if (cells[x] !== cell) {
      cell = cells[x];
      color = i < 0 || cell < 0 ? BACKGROUND
        : packedColors[Math.min(darkest, Math.floor(weights[offset + cell] * toIndex))];
    }
    pixels[line + x] = color;
  }
}

// The largest weight of `maps` in the view's cells.
function largestShown(maps, view, tokens) {
  let largest = 0;
  for (const map of maps) {
    const firstRow = cellOf(map.rowStarts, clamp(Math.floor(view.top), 0, tokens - 1));
    const firstCol = cellOf(map.colStarts, clamp(Math.floor(view.left), 0, tokens - 1));
    for (let i = Math.max(0, firstRow); i < map.rowStarts.length - 1 && map.rowStarts[i] < view.top + view.span; i++) {
      for (let j = Math.max(0, firstCol); j < map.width && map.colStarts[j] < view.left + view.span; j++) {
        largest = Math.max(largest, map.weights[i * map.width + j]);
      }
    }
  }
  return largest;
}

// --- Requests ---------------------------------------------------------------------------
// At most MAX_IN_FLIGHT at a time, in order, except that the open head's
// requests go first: the thumbnails wait behind what the user looks at.

const requests = { queue: [], active: 0 };

function requestJSON(url, signal, first = false) {
  return new Promise((resolve, reject) => {
    const job = { url, signal, resolve, reject };
    if (first) requests.queue.unshift(job); else requests.queue.push(job);
    pumpRequests();
  });
}

function pumpRequests() {
  while (requests.active < MAX_IN_FLIGHT && requests.queue.length > 0) {
    const job = requests.queue.shift();
    if (job.signal.aborted) { job.reject(new DOMException("aborted", "AbortError")); continue; }
    requests.active += 1;
    fetch(job.url, { signal: job.signal })
      .then(async (response) => {
        if (!response.ok) throw await errorOf(response);
        return response.json();
      })
      .then(job.resolve, job.reject)
      .finally(() => {
        requests.active -= 1;
        pumpRequests();
      });
  }
}

function overviewURL(run, layer, head, size, pooling, rows, cols) {
  let url = "/api/runs/" + encodeURIComponent(run.id) + "/overview?layer=" + layer + "&head=" + head + "&size=" + size +
    "&pooling=" + pooling;
  if (rows) url += "&rows=" + rows.join(":") + "&cols=" + cols.join(":");
  return url;
}

function blockURL(run, layer, head, rows, cols) {
  return "/api/runs/" + encodeURIComponent(run.id) + "/block?layer=" + layer + "&head=" + head + "&rows=" +
    rows.join(":") + "&cols=" + cols.join(":");
}

// --- The models -------------------------------------------------------------------------

const modelSelect = element("model");
let models = [];

function chosenModel() { return models.find((model) => model.name === modelSelect.value) || models[0]; }

function showModel() {
  const model = chosenModel();
  if (!model) return;
  element("model-summary").textContent = model.architecture + ", " + model.layers + " layers × " + model.heads +
    " heads, at most " + count(model.max_tokens) + " tokens, " + model.kind;
  // A decoder reads one text; a pair is an encoder's.
  element("pair-field").hidden = model.kind === "causal";
}

async function loadModels() {
  const response = await fetch("/api/models");
  if (!response.ok) throw await errorOf(response);
  models = (await response.json()).models;
  models.forEach((model) => {
    const option = document.createElement("option");
    option.value = option.textContent = model.name;
    modelSelect.appendChild(option);
  });
  const asked = new URLSearchParams(location.search).get("model");
  if (asked !== null && models.some((model) => model.name === asked)) modelSelect.value = asked;
  showModel();
}
modelSelect.addEventListener("change", showModel);

function showTextSize() {
  const length = element("text").value.length;
  element("text-size").textContent = length > 0 ? count(length) + " characters" : "";
}
element("text").addEventListener("input", showTextSize);

// --- A run ------------------------------------------------------------------------------
// POST /api/run runs the model once; the server keeps what it needs to
// recompute any part of any head's map, and names the run.

const statusLine = element("status"), statusText = element("status-text");
let run = null;
// Each submitted text; an answer to an earlier one is not shown.
let runTicket = 0;

function showStatus(text, isError = false) {
  statusLine.className = isError ? "error" : "";
  statusText.textContent = text;
  element("rerun").hidden = true;
}

element("run-form").addEventListener("submit", (event) => {
  event.preventDefault();
  runText(readInput(), null);
});

function readInput() {
  const model = chosenModel();
  const pair = element("pair-field").hidden ? "" : element("pair").value;
  return { text: element("text").value, pair: pair.trim() === "" ? null : pair, model: model ? model.name : null };
}

// Runs `input`; `restore` ({layer, head, view}) reopens a head once it runs.
async function runText(input, restore) {
  const ticket = ++runTicket;
  forgetRun();
  const button = element("run");
  button.disabled = true;
  const started = performance.now();
  const ticking = setInterval(() => {
    if (ticket === runTicket && !statusText.dataset.waiting) {
      showStatus("Running the model… " + ((performance.now() - started) / 1000).toFixed(1) + " s");
    }
  }, 250);
  showStatus("Running the model…");
  try {
    const answer = await postRun(input, ticket);
    if (ticket !== runTicket) return;
    const seconds = (performance.now() - started) / 1000;
    run = Object.assign(answer, { input, seconds, answeredAt: performance.now(), controller: new AbortController() });
    keepInput(input);
    showRun();
    loadThumbnails(run);
    if (restore) openHead(restore.layer, restore.head, { view: restore.view });
  } catch (error) {
    if (ticket !== runTicket) return;
    showStatus("Error: " + error.message, true);
  } finally {
    clearInterval(ticking);
    delete statusText.dataset.waiting;
    if (ticket === runTicket) button.disabled = false;
  }
}

// POST /api/run, once more after the wait a 503 asks for (its run cache is
// over its byte budget until older runs go).
async function postRun(input, ticket) {
  const body = JSON.stringify({ text: input.text, ...(input.pair ? { pair: input.pair } : {}),
    ...(input.model ? { model: input.model } : {}) });
  for (let attempt = 0; ; attempt++) {
    const response = await fetch("/api/run", { method: "POST", headers: { "Content-Type": "application/json" }, body });
    if (response.status === 503 && attempt === 0) {
      const seconds = clamp(Number(response.headers.get("Retry-After")) || 5, 1, 300);
      statusText.dataset.waiting = "1";
      showStatus("The server holds as many runs as it may (its run cache is over its byte budget); trying again in " +
        seconds + " s…");
      await sleep(seconds * 1000);
      if (ticket !== runTicket) throw new Error("superseded");
      delete statusText.dataset.waiting;
      continue;
    }
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 503) error.message += " (the server's run cache is still full: try again later)";
      throw error;
    }
    return response.json();
  }
}

// Drops the run shown: its requests, its thumbnails, its open head.
function forgetRun() {
  if (run) run.controller.abort();
  closeHead(false);
  run = null;
  thumbnails.maps.clear();
  element("grid-view").hidden = true;
  element("thumbnails").textContent = "";
}

function runSummary() {
  const size = count(run.tokens.length) + " tokens · " + run.layers + " layers × " + run.heads + " heads · ";
  if (run.offline) return size + run.kind + " · read from this file";
  return size + mebibytes(run.bytes) + " kept on the server · run in " + run.seconds.toFixed(2) + " s";
}

function showRun() {
  showStatus(runSummary());
  // The address runs the text again when reloaded or shared; a text too
  // long for an address is kept in this tab instead.
  let query = "";
  if (run.input.text.length <= MAX_TEXT_IN_ADDRESS) {
    query = "?text=" + encodeURIComponent(run.input.text);
    if (run.input.pair) query += "&pair=" + encodeURIComponent(run.input.pair);
    if (run.input.model) query += "&model=" + encodeURIComponent(run.input.model);
  }
  // The open head's view joins it once a head is opened.
  history.replaceState(null, "", location.pathname + query);
}

function keepInput(input) {
  try { sessionStorage.setItem("long-page-input", JSON.stringify(input)); } catch (_) {}
}

function keptInput() {
  try { return JSON.parse(sessionStorage.getItem("long-page-input")); } catch (_) { return null; }
}

// A run the server no longer holds: say so, and offer to run it again,
// back to the same head and view.
function runGone(gone) {
  if (run !== gone) return;
  gone.controller.abort();
  const open = viewer.head, restore = open ? { layer: open.layer, head: open.head, view: { ...open.view } } : null;
  showStatus("The run " + gone.id + " is gone from the server (its cache let it go, or the server restarted).", true);
  const rerun = element("rerun");
  rerun.hidden = false;
  rerun.onclick = () => runText(gone.input, restore);
}

function failed(current, error) {
  if (aborted(error) || run !== current) return;
  if (error.status === 404) runGone(current); else showStatus("Error: " + error.message, true);
}

// --- A run carried in the page, offline -------------------------------------------------
// A file written with one run's data (#long-data) opens with no server. It
// holds every head's thumbnail, some heads' maps pooled finer (mean, max or
// both) and exact blocks of some of those: numbers as float32 little
// endian in base64. It asks for nothing; where it holds no exact weights it
// says so, and where to read them.

const offlineData = element("long-data");
const offline = offlineData !== null;
// The pooling last chosen, kept for the heads that hold it.
let preferredPooling = element("pooling").value;
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

// `count` numbers from base64 of float32 little endian.
function floatsFrom(base64, count, what) {
  const bytes = bytesFrom(base64);
  if (bytes.length !== 4 * count) throw new Error(what + " holds " + bytes.length / 4 + " numbers, not " + count);
  if (littleEndian) return new Float32Array(bytes.buffer);
  const view = new DataView(bytes.buffer), floats = new Float32Array(count);
  for (let k = 0; k < count; k++) floats[k] = view.getFloat32(4 * k, true);
  return floats;
}

// Uint8Array.fromBase64 where the browser has it: several times faster.
function bytesFrom(base64) {
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(base64);
  const text = atob(base64), bytes = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
  return bytes;
}

// A map the file holds: cells at `rowStarts` × `colStarts` over
// rows × cols, pooled one way, or exact when `pooling` is null.
function heldMap(rows, cols, rowStarts, colStarts, weights, pooling, what) {
  const exact = pooling === null;
  const rowCells = exact ? unitStarts(rows) : Int32Array.from(rowStarts);
  const colCells = exact ? unitStarts(cols) : Int32Array.from(colStarts);
  const ends = (starts, [first, end]) => starts[0] === first && starts[starts.length - 1] === end;
  if (!ends(rowCells, rows) || !ends(colCells, cols)) throw new Error(what + "'s cells do not span its rows and cols");
  const width = colCells.length - 1, count = (rowCells.length - 1) * width;
  const floats = typeof weights === "string" ? floatsFrom(weights, count, what) : weights;
  return describedMap({ rows, cols, rowStarts: rowCells, colStarts: colCells, width, weights: floats, exact, pooling });
}

// The run the file holds, as the page keeps a run; its thumbnails' maps
// and, by head, its finer maps and exact blocks (`held`).
function readOfflineRun(began) {
  const data = JSON.parse(offlineData.textContent);
  const n = data.tokens.length, whole = [0, n], held = new Map(), thumbs = data.thumbnails;
  const cells = (thumbs.row_starts.length - 1) * (thumbs.col_starts.length - 1);
  const all = floatsFrom(thumbs.data, data.layers * data.heads * cells, "the thumbnails' data");
  const thumbnailMaps = new Map();
  for (let layer = 1; layer <= data.layers; layer++) {
    for (let head = 1; head <= data.heads; head++) {
      const at = ((layer - 1) * data.heads + head - 1) * cells;
      thumbnailMaps.set(headName(layer, head), heldMap(whole, whole, thumbs.row_starts, thumbs.col_starts,
        all.subarray(at, at + cells), thumbs.pooling || "max", "a thumbnail"));
    }
  }
  const heldOf = (layer, head, what) => {
    if (!(layer >= 1 && layer <= data.layers && head >= 1 && head <= data.heads)) {
      throw new Error(what + " names head " + headName(layer, head) + ", outside the run");
    }
    const name = headName(layer, head);
    if (!held.has(name)) held.set(name, { overviews: new Map(), blocks: [] });
    return held.get(name);
  };
  for (const overview of data.overviews || []) {
    const what = "the " + overview.pooling + " overview of " + headName(overview.layer, overview.head);
    heldOf(overview.layer, overview.head, what).overviews.set(overview.pooling, heldMap(overview.rows, overview.cols,
      overview.row_starts, overview.col_starts, overview.data, overview.pooling, what));
  }
  for (const block of data.blocks || []) {
    const what = "the block of " + headName(block.layer, block.head);
    const map = heldMap(block.rows, block.cols, null, null, block.data, null, what);
    heldOf(block.layer, block.head, what).blocks.push(map);
  }
  return {
    id: null, offline: true, model: data.model, kind: data.kind, layers: data.layers, heads: data.heads,
    tokens: data.tokens, note: data.note || "", thumbnailMaps, held, answeredAt: began,
    readMs: performance.now() - began, controller: new AbortController(),
  };
}

function startOffline() {
  const began = performance.now();
  element("run-form").hidden = true;
  try {
    run = readOfflineRun(began);
  } catch (error) {
    showStatus("Error: this file's data cannot be read (" + error.message + ").", true);
    return;
  }
  showFileHeader(run);
  buildThumbnailGrid(run);
  markHeldHeads(run);
  for (let layer = 1; layer <= run.layers; layer++) {
    for (let head = 1; head <= run.heads; head++) {
      const map = run.thumbnailMaps.get(headName(layer, head));
      thumbnails.maps.set(headName(layer, head), map);
      drawThumbnail(layer, head, map);
    }
  }
  // #head=L.H&rows=..&cols=.. opens a head, as a link to a view of the file.
  const restore = addressView();
  if (restore) openHead(restore.layer, restore.head, { view: restore.view });
}

function blockRange(block) {
  const [rows, cols] = [block.rows, block.cols];
  return "queries " + rows[0] + "–" + (rows[1] - 1) + " × keys " + cols[0] + "–" + (cols[1] - 1);
}

// What the file holds of one head beyond its thumbnail, in a sentence.
function heldSummary(held) {
  const parts = [];
  for (const map of held.overviews.values()) {
    parts.push("pooled by " + map.pooling + " to " + (map.rowStarts.length - 1) + " × " + map.width + " cells");
  }
  if (held.blocks.length > 0) parts.push("exact over " + held.blocks.map(blockRange).join(" and "));
  return "This file holds it " + parts.join(", ") + ".";
}

// The model, the run, the file's own note and where it is exact.
function showFileHeader(current) {
  document.querySelector("h1").textContent = "What " + current.model + " attends to, over a long text";
  document.title = "attn: " + current.model + ", " + count(current.tokens.length) + " tokens";
  element("file-note").textContent = current.note;
  const exact = [...current.held].filter(([, held]) => held.blocks.length > 0)
    .map(([name, held]) => "head " + name + " over " + held.blocks.map(blockRange).join(" and "));
  const contents = element("file-contents");
  contents.textContent = (exact.length > 0 ? "Exact: " + exact.join("; ") +
    ". Everything else is pooled, each cell the max (or mean) of the weights it covers."
    : "Nothing here is exact: every map is pooled, each cell the max (or mean) of the weights it covers.") + " ";
  contents.append(code("attn serve"), " then ", code("/long"), " computes any block of any head exactly, with this " +
    "text.");
  element("file-about").hidden = false;
}

function code(text) {
  const node = document.createElement("code");
  node.textContent = text;
  return node;
}

// The heads the file holds more of: outlined, with a badge, and said so.
function markHeldHeads(current) {
  for (const [name, held] of current.held) {
    const button = document.querySelector('.thumb[data-head="' + name + '"]');
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = held.blocks.length > 0 ? "exact" : "finer";
    button.querySelector("span").append(" ", badge);
    button.classList.add("held");
    button.dataset.held = heldSummary(held);
  }
  if (current.held.size > 0) {
    element("grid-legend").textContent += " Outlined heads are held in more detail in this file: “finer” ones " +
      "pooled finer, “exact” ones with exact weights of some queries × keys.";
  }
}

// A head's pooling select offers what the file holds of it: its finer
// maps' poolings, else its thumbnail's.
function offerPoolings(open) {
  const name = headName(open.layer, open.head), held = run.held.get(name), thumbnail = thumbnails.maps.get(name);
  const poolings = held && held.overviews.size > 0 ? [...held.overviews.keys()] : thumbnail ? [thumbnail.pooling] : [];
  const select = element("pooling");
  for (const option of select.options) {
    option.disabled = !poolings.includes(option.value);
    option.title = option.disabled ? "Not held for this head in this file." : "";
  }
  select.value = poolings.includes(preferredPooling) ? preferredPooling : poolings[0] || preferredPooling;
}

// The best the file holds for the open head's view: its finer map in the
// pooling chosen (else its thumbnail) under the exact block that covers
// the view, or else shows most of it.
function holdBest(open) {
  const name = headName(open.layer, open.head), held = run.held.get(name);
  const finer = held ? held.overviews.get(element("pooling").value) || held.overviews.values().next().value : null;
  open.whole = finer || thumbnails.maps.get(name) || null;
  open.detail = held ? bestBlock(held.blocks, open.view) : null;
}

function bestBlock(blocks, view) {
  // At less than a device pixel a token, a block's cells would be sampled,
  // skipping weights; the pooled map beneath shows them all.
  if (viewer.pixels / view.span < 1) return null;
  const n = tokenCount(), rows = visibleTokens(view.top, view.span, n), cols = visibleTokens(view.left, view.span, n);
  const overlap = ([first, end], [from, to]) => Math.max(0, Math.min(end, to) - Math.max(first, from));
  let best = null, most = 0;
  for (const block of blocks) {
    if (covers(block, rows, cols)) return block;
    const shown = overlap(block.rows, rows) * overlap(block.cols, cols);
    if (shown > most) [best, most] = [block, shown];
  }
  return best;
}

// Beside a view that is not wholly exact: where the file's exact weights of
// this head are, and where any other block is read.
function showHeldNote(open) {
  const note = element("held-note"), held = run.held.get(headName(open.layer, open.head));
  note.hidden = viewMode(open) === "exact";
  if (note.hidden) return;
  note.textContent = held && held.blocks.length > 0
    ? "This file holds exact weights of this head only for " + held.blocks.map(blockRange).join(" and ") +
      " (outlined); the rest is drawn from its pooled maps. "
    : "This file holds no exact weights of this head: it is drawn from its pooled maps. ";
  note.append(code("attn serve"), " then ", code("/long"), " computes any block exactly.");
}

// --- Every head, as a thumbnail ---------------------------------------------------------
// Each head's map pooled to 64 × 64 cells by max, so that no sharp weight
// disappears, drawn as it arrives from 0 to its own largest weight.

const thumbnails = { maps: new Map(), drawn: 0, firstMs: null, allMs: null };

function headName(layer, head) { return layer + "." + head; }

function loadThumbnails(current) {
  buildThumbnailGrid(current);
  // Layer by layer, in order: the requests queue.
  for (let layer = 1; layer <= current.layers; layer++) {
    for (let head = 1; head <= current.heads; head++) {
      requestJSON(overviewURL(current, layer, head, THUMBNAIL_CELLS, "max"), current.controller.signal)
        .then((answer) => {
          if (run !== current) return;
          const map = mapFrom(answer);
          thumbnails.maps.set(headName(layer, head), map);
          drawThumbnail(layer, head, map);
          headThumbnailArrived(layer, head, map);
        })
        .catch((error) => failed(current, error));
    }
  }
}

// A button for each head, layer by layer, each with its canvas; the legend.
function buildThumbnailGrid(current) {
  const grid = element("thumbnails");
  grid.style.gridTemplateColumns = "repeat(" + current.heads + ", auto)";
  Object.assign(thumbnails, { drawn: 0, firstMs: null, allMs: null });
  for (let layer = 1; layer <= current.layers; layer++) {
    for (let head = 1; head <= current.heads; head++) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "thumb";
      button.dataset.head = headName(layer, head);
      button.title = "Layer " + layer + ", head " + head;
      const canvas = document.createElement("canvas");
      const caption = document.createElement("span");
      caption.textContent = headName(layer, head);
      button.append(canvas, caption);
      button.addEventListener("click", (event) => openHead(layer, head, { from: event.timeStamp }));
      grid.appendChild(button);
    }
  }
  element("grid-legend").textContent = "Each head's map (rows: queries, columns: keys), pooled to at most " +
    THUMBNAIL_CELLS + " × " + THUMBNAIL_CELLS + " cells by max, from 0 (lightest) to the head's own largest weight " +
    "(darkest). L.H is layer L, head H; click one to explore it.";
  element("grid-view").hidden = viewer.head !== null;
  colorbar(element("grid-colorbar"));
}

function drawThumbnail(layer, head, map) {
  const button = document.querySelector('.thumb[data-head="' + headName(layer, head) + '"]');
  const canvas = button.querySelector("canvas"), ratio = window.devicePixelRatio || 1;
  canvas.width = canvas.height = Math.round(THUMBNAIL_PX * ratio);
  const context = canvas.getContext("2d"), image = context.createImageData(canvas.width, canvas.height);
  paint(image, { top: 0, left: 0, span: run.tokens.length }, map, null, map.largest);
  context.putImageData(image, 0, 0);
  button.classList.add("drawn");
  button.dataset.largest = map.largest;
  button.title = "Layer " + layer + ", head " + head + ": largest weight " + map.largest.toFixed(4) +
    ". " + (button.dataset.held ? button.dataset.held + " " : "") + "Click to explore.";
  thumbnails.drawn += 1;
  const since = performance.now() - run.answeredAt, total = run.layers * run.heads;
  if (thumbnails.firstMs === null) thumbnails.firstMs = since;
  if (thumbnails.drawn === total) thumbnails.allMs = since;
  if (!statusLine.classList.contains("error")) {
    showStatus(runSummary() + " · " + (thumbnails.drawn < total ? "heads drawn: " + thumbnails.drawn + " of " + total
      : total + " heads drawn in " + (since / 1000).toFixed(2) + " s"));
  }
}

// --- One head, explored -----------------------------------------------------------------
// The view shows queries top..top+span and keys left..left+span (tokens,
// fractional): the map is square, and so is the view. What is drawn comes
// from the head's whole map (its thumbnail at first, then pooled at the
// canvas's size) under the latest refinement of the visible range.

const mapCanvas = element("map"), mapContext = mapCanvas.getContext("2d");
const viewer = {
  head: null, size: 0, pixels: 0, image: null, pointer: null, drag: null, refineTimer: 0, waiting: false, ticket: 0,
  controller: null, pending: null, lastDrawMs: null, draws: 0, openMs: null, hover: null,
};

function tokenCount() { return run.tokens.length; }

function openHead(layer, head, { from = performance.now(), view = null } = {}) {
  if (!run || !(layer >= 1 && layer <= run.layers && head >= 1 && head <= run.heads)) return;
  closeHead(false);
  const n = tokenCount(), thumbnail = thumbnails.maps.get(headName(layer, head)) || null;
  viewer.head = {
    layer, head, whole: thumbnail, wholePending: false, detail: null, largest: thumbnail ? thumbnail.largest : null,
    view: view ? fitView(view, n) : { top: 0, left: 0, span: n }, wholeController: new AbortController(),
  };
  element("grid-view").hidden = true;
  element("head-view").hidden = false;
  element("head-title").textContent = "Layer " + layer + ", head " + head + " (" + headName(layer, head) + ")";
  if (run.offline) offerPoolings(viewer.head);
  sizeCanvases();
  colorbar(element("head-colorbar"));
  drawHead();
  viewer.openMs = performance.now() - from;
  element("head-view").scrollIntoView({ block: "nearest" });
  loadWhole(viewer.head);
  scheduleRefine(0);
}

function closeHead(showGrid = true) {
  const open = viewer.head;
  if (open) open.wholeController.abort();
  if (viewer.controller) viewer.controller.abort();
  clearTimeout(viewer.refineTimer);
  Object.assign(viewer, { waiting: false, head: null, controller: null, pending: null, hover: null, drag: null });
  element("head-view").hidden = true;
  element("tip").hidden = element("cell-box").hidden = true;
  if (showGrid && run) {
    element("grid-view").hidden = false;
    history.replaceState(null, "", location.pathname + location.search);
    if (open) {
      const thumb = document.querySelector('.thumb[data-head="' + headName(open.layer, open.head) + '"]');
      if (thumb) thumb.focus({ preventScroll: true });
    }
  }
}

// A head's thumbnail that arrives after the head was opened: the head's
// scale, and something to draw until its whole map comes.
function headThumbnailArrived(layer, head, map) {
  const open = viewer.head;
  if (!open || open.layer !== layer || open.head !== head) return;
  open.largest = map.largest;
  if (!open.whole) open.whole = map;
  drawHead();
}

// The head's whole map pooled at the canvas's size in device pixels.
function loadWhole(open) {
  // A file's maps are all in the page already.
  if (run.offline) return;
  const current = run, size = Math.min(MAX_OVERVIEW, viewer.pixels), pooling = element("pooling").value;
  const held = open.whole;
  if (held && !held.exact && held.pooling === pooling && held.width >= Math.min(size, tokenCount())) return;
  open.wholePending = true;
  requestJSON(overviewURL(current, open.layer, open.head, size, pooling), open.wholeController.signal, true)
    .then((answer) => {
      if (viewer.head !== open || element("pooling").value !== pooling) return;
      open.wholePending = false;
      open.whole = mapFrom(answer);
      // A max-pooled map holds the head's largest weight.
      if (pooling === "max") open.largest = open.whole.largest;
      drawHead();
      scheduleRefine(0);
    })
    .catch((error) => {
      if (!aborted(error)) open.wholePending = false;
      failed(current, error);
    });
}

// The canvases at the size the window allows, in device pixels.
function sizeCanvases() {
  const ratio = window.devicePixelRatio || 1;
  const size = Math.round(clamp(Math.min(window.innerWidth - QUERY_AXIS_PX - 80, window.innerHeight - KEY_AXIS_PX - 60),
    320, 720));
  const pixels = Math.round(size * ratio);
  if (size === viewer.size && pixels === viewer.pixels) return;
  Object.assign(viewer, { size, pixels });
  mapCanvas.style.width = mapCanvas.style.height = size + "px";
  mapCanvas.width = mapCanvas.height = pixels;
  viewer.image = mapContext.createImageData(pixels, pixels);
  // The axes run along the map and its 1 px border.
  for (const [canvas, width, height] of [[element("query-axis"), QUERY_AXIS_PX, size + 2],
    [element("key-axis"), size + 2, KEY_AXIS_PX]]) {
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
}

// A view kept inside the map and between MIN_SPAN tokens and the whole map across.
function fitView(view, n) {
  const span = clamp(view.span, Math.min(MIN_SPAN, n), n);
  return { span, top: clamp(view.top, 0, n - span), left: clamp(view.left, 0, n - span) };
}

function drawnMaps(open) { return [open.whole, open.detail].filter(Boolean); }

function headScale(open) {
  if (element("scale").value === "shown") return largestShown(drawnMaps(open), open.view, tokenCount());
  return open.largest ?? (open.whole ? open.whole.largest : 0);
}

// Draws the open head at once from the maps it holds.
function drawHead() {
  const open = viewer.head;
  if (!open) return;
  const began = performance.now();
  if (run.offline) holdBest(open);
  const scale = headScale(open);
  if (open.whole || open.detail) {
    paint(viewer.image, open.view, open.whole || open.detail, open.whole ? open.detail : null, scale);
  } else {
    new Uint32Array(viewer.image.data.buffer).fill(BACKGROUND);
  }
  mapContext.putImageData(viewer.image, 0, 0);
  drawCellEdges(open);
  if (run.offline) outlineBlocks(open);
  drawAxes(open.view);
  showScale(scale);
  showShown(open);
  viewer.lastDrawMs = performance.now() - began;
  viewer.draws += 1;
  if (viewer.pointer && !viewer.drag) hover(viewer.pointer);
}

// Thin lines between cells once they are large, so single weights stand apart.
function drawCellEdges(open) {
  const cell = viewer.pixels / open.view.span;
  if (cell < 16 * (window.devicePixelRatio || 1)) return;
  mapContext.fillStyle = "rgba(255, 255, 255, 0.55)";
  const first = Math.ceil(open.view.top), firstKey = Math.ceil(open.view.left);
  for (let token = first; token < open.view.top + open.view.span; token++) {
    mapContext.fillRect(0, Math.round((token - open.view.top) * cell), viewer.pixels, 1);
  }
  for (let token = firstKey; token < open.view.left + open.view.span; token++) {
    mapContext.fillRect(Math.round((token - open.view.left) * cell), 0, 1, viewer.pixels);
  }
}

// A file's exact blocks of the open head, outlined: where its weights are exact.
function outlineBlocks(open) {
  const held = run.held.get(headName(open.layer, open.head));
  if (!held) return;
  const ratio = window.devicePixelRatio || 1, cell = viewer.pixels / open.view.span;
  mapContext.save();
  mapContext.strokeStyle = "#1f6fd1";
  mapContext.lineWidth = 2 * ratio;
  mapContext.setLineDash([6 * ratio, 4 * ratio]);
  for (const block of held.blocks) {
    mapContext.strokeRect((block.cols[0] - open.view.left) * cell, (block.rows[0] - open.view.top) * cell,
      (block.cols[1] - block.cols[0]) * cell, (block.rows[1] - block.rows[0]) * cell);
  }
  mapContext.restore();
}

function showScale(scale) {
  const byShown = element("scale").value === "shown";
  element("head-legend").textContent = "0 (lightest) to " + scale.toFixed(4) + " (darkest): " +
    (byShown ? "the largest weight shown" : "the head's largest weight");
}

// The visible tokens along one side: first..<end.
function visibleTokens(origin, span, n) {
  return [clamp(Math.floor(origin), 0, n), clamp(Math.ceil(origin + span - 1e-9), 0, n)];
}

function viewMode(open) {
  const rows = visibleTokens(open.view.top, open.view.span, tokenCount());
  const cols = visibleTokens(open.view.left, open.view.span, tokenCount());
  return open.detail && open.detail.exact && covers(open.detail, rows, cols) ? "exact" : "pooled";
}

function covers(map, rows, cols) {
  return map.rows[0] <= rows[0] && map.rows[1] >= rows[1] && map.cols[0] <= cols[0] && map.cols[1] >= cols[1];
}

function showShown(open) {
  const n = tokenCount(), rows = visibleTokens(open.view.top, open.view.span, n);
  const cols = visibleTokens(open.view.left, open.view.span, n), cell = viewer.size / open.view.span;
  const lines = ["Queries " + rows[0] + "–" + (rows[1] - 1) + " × keys " + cols[0] + "–" + (cols[1] - 1) + " of " +
    count(n) + " tokens; a token is " + (cell >= 10 ? cell.toFixed(0) : cell.toFixed(2)) + " px."];
  if (viewMode(open) === "exact") {
    const detail = open.detail;
    lines.push(run.offline ? "Exact weights, held in this file for " + blockRange(detail) + "."
      : "Exact weights, read as the block " + detail.rows.join(":") + " × " + detail.cols.join(":") + ".");
  } else {
    const pooling = element("pooling").value;
    const finest = drawnMaps(open).filter((map) => !map.exact).map((map) => map.coarseness);
    if (finest.length > 0) {
      const tokens = Math.min(...finest);
      lines.push(tokens <= 1 ? "Every cell one query and one key." :
        "Pooled: each cell the " + pooling + " of up to " + tokens + " × " + tokens + " tokens.");
    }
  }
  if (viewer.pending) lines.push(viewer.pending.kind === "block" ? "Reading the exact weights…" : "Refining…");
  element("shown").textContent = lines.join("\n");
  if (run.offline) showHeldNote(open);
}

// --- Axes -------------------------------------------------------------------------------
// Queries down the left, keys along the bottom. Large cells get their
// tokens, thinned so that labels never overlap; smaller ones, positions at
// round steps.

function roundStep(least) {
  const power = Math.pow(10, Math.floor(Math.log10(Math.max(1, least))));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= least) return factor * power;
  return 10 * power;
}

// The ticks of a side: [position, label] for the tokens whose centres show.
function ticks(origin, span, n) {
  const cell = viewer.size / span, tokens = cell >= LABEL_CELL_PX;
  const step = tokens ? Math.ceil(LABEL_CELL_PX / cell) : roundStep(64 / cell);
  const shown = [];
  for (let token = Math.ceil((origin - 0.5) / step) * step; token + 0.5 <= origin + span && token < n; token += step) {
    if (token + 0.5 >= origin) shown.push([token, tokens ? run.tokens[token] : String(token)]);
  }
  return { shown, tokens, cell };
}

function fitted(context, text, room) {
  if (context.measureText(text).width <= room) return text;
  let kept = text;
  while (kept.length > 1 && context.measureText(kept + "…").width > room) kept = kept.slice(0, -1);
  return kept + "…";
}

function axisContext(canvas) {
  const context = canvas.getContext("2d"), ratio = canvas.width / parseFloat(canvas.style.width);
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.font = AXIS_FONT;
  context.fillStyle = context.strokeStyle = "#222";
  context.lineWidth = 1;
  return context;
}

function drawAxes(view) {
  const n = tokenCount(), size = viewer.size;
  const queries = axisContext(element("query-axis")), down = ticks(view.top, view.span, n);
  queries.textAlign = "right";
  queries.textBaseline = "middle";
  let widest = 0;
  for (const [token, label] of down.shown) {
    const y = 1 + (token + 0.5 - view.top) * down.cell, text = fitted(queries, label, QUERY_AXIS_PX - 34);
    queries.fillRect(QUERY_AXIS_PX - 5, Math.round(y) - 0.5, 5, 1);
    // A label at the map's edge stays whole, beside its tick.
    queries.fillText(text, QUERY_AXIS_PX - 8, clamp(y, 6, size - 4));
    widest = Math.max(widest, queries.measureText(text).width);
  }
  // The axis's title just beyond its longest label.
  queries.save();
  queries.translate(Math.max(11, QUERY_AXIS_PX - 8 - widest - 12), size / 2);
  queries.rotate(-Math.PI / 2);
  queries.textAlign = "center";
  queries.fillText(down.tokens ? "Queries" : "Queries (token position)", 0, 0);
  queries.restore();

  const keys = axisContext(element("key-axis")), across = ticks(view.left, view.span, n);
  let longest = 11;
  for (const [token, label] of across.shown) {
    const x = 1 + (token + 0.5 - view.left) * across.cell;
    keys.fillRect(Math.round(x) - 0.5, 0, 1, 5);
    if (across.tokens) {
      const text = fitted(keys, label, KEY_AXIS_PX - 30);
      keys.save();
      keys.translate(x, 8);
      keys.rotate(-Math.PI / 2);
      keys.textAlign = "right";
      keys.textBaseline = "middle";
      keys.fillText(text, 0, 0);
      keys.restore();
      longest = Math.max(longest, keys.measureText(text).width);
    } else {
      const half = keys.measureText(label).width / 2;
      keys.textAlign = "center";
      keys.textBaseline = "top";
      keys.fillText(label, clamp(x, half, size + 2 - half), 8);
    }
  }
  keys.textAlign = "center";
  keys.textBaseline = "top";
  keys.fillText(across.tokens ? "Keys" : "Keys (token position)", size / 2,
    Math.min(KEY_AXIS_PX - 14, 8 + longest + 8));
}

// --- Refining the view ------------------------------------------------------------------
// Once the view rests, the page asks for what it lacks: the exact block
// (with a margin, so that small pans need nothing) once the cells are
// large, else the visible range pooled at the canvas's size when what it
// holds is coarser than that. An answer to an earlier view is dropped.

function scheduleRefine(delay = REFINE_DELAY_MS) {
  clearTimeout(viewer.refineTimer);
  viewer.waiting = true;
  viewer.refineTimer = setTimeout(refine, delay);
}

// The request the view needs, or null when the maps held suffice.
function neededRequest(open) {
  const n = tokenCount(), view = open.view;
  const rows = visibleTokens(view.top, view.span, n), cols = visibleTokens(view.left, view.span, n);
  const cells = (rows[1] - rows[0]) * (cols[1] - cols[0]);
  if (viewer.size / view.span >= EXACT_CELL_PX && cells <= MAX_BLOCK_CELLS) {
    if (open.detail && open.detail.exact && covers(open.detail, rows, cols)) return null;
    const side = Math.floor(Math.sqrt(MAX_BLOCK_CELLS));
    const [blockRows, blockCols] = [withMargin(rows, side, n), withMargin(cols, side, n)];
    return { kind: "block", rows: blockRows, cols: blockCols,
      url: blockURL(run, open.layer, open.head, blockRows, blockCols) };
  }
  const pooling = element("pooling").value, enough = Math.ceil(Math.max(1, view.span / viewer.pixels) * 1.25);
  const fine = (map) => map && covers(map, rows, cols) && (map.exact || map.pooling === pooling) &&
    map.coarseness <= enough;
  if (fine(open.whole) || fine(open.detail)) return null;
  const size = Math.min(MAX_OVERVIEW, viewer.pixels);
  // The whole map on its way will do: its answer refines again.
  if (open.wholePending && Math.ceil(n / Math.min(n, size)) <= enough) return null;
  return { kind: "overview", rows, cols, url: overviewURL(run, open.layer, open.head, size, pooling, rows, cols) };
}

// The tokens first..<end widened on both sides to at most `side` tokens.
function withMargin([first, end], side, n) {
  const extra = Math.max(0, Math.min(side - (end - first), end - first));
  const start = clamp(first - Math.floor(extra / 2), 0, Math.max(0, n - (end - first) - extra));
  return [start, Math.min(n, start + (end - first) + extra)];
}

function refine() {
  const open = viewer.head, current = run;
  viewer.waiting = false;
  // A run the server let go has nothing more to give.
  if (!open || current.controller.signal.aborted) return;
  writeAddressView(open);
  // A file has no server to ask: drawHead draws from what it holds.
  if (current.offline) return;
  const needed = neededRequest(open);
  if (viewer.pending && needed && viewer.pending.url === needed.url) return;
  if (viewer.controller) viewer.controller.abort();
  viewer.pending = needed;
  viewer.controller = null;
  if (!needed) { showShown(open); return; }
  const ticket = ++viewer.ticket, controller = viewer.controller = new AbortController();
  element("view-status").textContent = "";
  showShown(open);
  requestJSON(needed.url, controller.signal, true)
    .then((answer) => {
      if (ticket !== viewer.ticket || viewer.head !== open) return;
      open.detail = mapFrom(answer);
      viewer.pending = null;
      drawHead();
    })
    .catch((error) => {
      if (aborted(error) || ticket !== viewer.ticket) return;
      viewer.pending = null;
      showShown(open);
      if (error.status === 404) { failed(current, error); return; }
      element("view-status").className = "error";
      element("view-status").textContent = "Error: " + error.message;
    });
}

// --- Zoom and pan -----------------------------------------------------------------------

// Zooms by `factor` (below 1: closer) keeping the token at (x, y) CSS px of the map in place.
function zoomAt(x, y, factor) {
  const open = viewer.head;
  if (!open) return;
  const n = tokenCount(), view = open.view, perPixel = view.span / viewer.size;
  const query = view.top + y * perPixel, key = view.left + x * perPixel;
  const span = clamp(view.span * factor, Math.min(MIN_SPAN, n), n);
  open.view = fitView({ span, top: query - y * span / viewer.size, left: key - x * span / viewer.size }, n);
  viewChanged();
}

function panBy(dx, dy) {
  const open = viewer.head, view = open.view, perPixel = view.span / viewer.size;
  open.view = fitView({ span: view.span, top: view.top - dy * perPixel, left: view.left - dx * perPixel },
    tokenCount());
  viewChanged();
}

function viewChanged() {
  drawHead();
  scheduleRefine();
}

function pointerOnMap(event) {
  const box = mapCanvas.getBoundingClientRect();
  return { x: event.clientX - box.left - mapCanvas.clientLeft, y: event.clientY - box.top - mapCanvas.clientTop,
    clientX: event.clientX, clientY: event.clientY };
}

mapCanvas.addEventListener("wheel", (event) => {
  if (!viewer.head) return;
  event.preventDefault();
  // Lines and pages, as some mice scroll, in pixels.
  const delta = event.deltaY * (event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? viewer.size : 1);
  const point = pointerOnMap(event);
  zoomAt(point.x, point.y, Math.exp(clamp(delta, -600, 600) * 0.002));
}, { passive: false });

mapCanvas.addEventListener("pointerdown", (event) => {
  if (!viewer.head || event.button !== 0) return;
  mapCanvas.setPointerCapture(event.pointerId);
  viewer.drag = { x: event.clientX, y: event.clientY };
  mapCanvas.classList.add("dragging");
  hideHover();
});

mapCanvas.addEventListener("pointermove", (event) => {
  if (!viewer.head) return;
  viewer.pointer = pointerOnMap(event);
  if (viewer.drag) {
    const dx = event.clientX - viewer.drag.x, dy = event.clientY - viewer.drag.y;
    viewer.drag = { x: event.clientX, y: event.clientY };
    if (dx !== 0 || dy !== 0) panBy(dx, dy);
  } else {
    hover(viewer.pointer);
  }
});

function endDrag(event) {
  if (!viewer.drag) return;
  viewer.drag = null;
  mapCanvas.classList.remove("dragging");
  if (mapCanvas.hasPointerCapture(event.pointerId)) mapCanvas.releasePointerCapture(event.pointerId);
  viewer.pointer = pointerOnMap(event);
  hover(viewer.pointer);
}
mapCanvas.addEventListener("pointerup", endDrag);
mapCanvas.addEventListener("pointercancel", endDrag);
mapCanvas.addEventListener("pointerleave", () => {
  if (viewer.drag) return;
  viewer.pointer = null;
  hideHover();
});

document.addEventListener("keydown", (event) => {
  if (!viewer.head || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest && event.target.closest("textarea, input, select")) return;
  const step = viewer.size / 10, middle = viewer.size / 2;
  const actions = {
    Escape: () => closeHead(), "+": () => zoomAt(middle, middle, 0.8), "=": () => zoomAt(middle, middle, 0.8),
    "-": () => zoomAt(middle, middle, 1.25), _: () => zoomAt(middle, middle, 1.25), 0: () => showWhole(),
    ArrowLeft: () => panBy(step, 0), ArrowRight: () => panBy(-step, 0), ArrowUp: () => panBy(0, step),
    ArrowDown: () => panBy(0, -step),
  };
  if (!actions[event.key]) return;
  event.preventDefault();
  actions[event.key]();
});

function showWhole() {
  if (!viewer.head) return;
  viewer.head.view = { top: 0, left: 0, span: tokenCount() };
  viewChanged();
}

element("back").addEventListener("click", () => closeHead());
element("whole").addEventListener("click", showWhole);
element("pooling").addEventListener("change", () => {
  const open = viewer.head;
  if (!open) return;
  if (run.offline) {
    preferredPooling = element("pooling").value;
    viewChanged();
    return;
  }
  // The maps pooled the other way would read as this pooling's.
  if (open.whole && !open.whole.exact && open.whole !== thumbnails.maps.get(headName(open.layer, open.head))) {
    open.whole = thumbnails.maps.get(headName(open.layer, open.head)) || null;
  }
  if (open.detail && !open.detail.exact) open.detail = null;
  open.wholeController.abort();
  open.wholeController = new AbortController();
  open.wholePending = false;
  loadWhole(open);
  viewChanged();
});
element("scale").addEventListener("change", drawHead);

window.addEventListener("resize", () => {
  if (!viewer.head) return;
  const before = viewer.size;
  sizeCanvases();
  if (viewer.size !== before) colorbar(element("head-colorbar"));
  drawHead();
  scheduleRefine();
});

// --- Hover ------------------------------------------------------------------------------
// The cell under the pointer: one query and one key, with its exact weight
// when the block holds it; else the pooled cell's tokens and its mean or max.

function hover(point) {
  const open = viewer.head;
  if (!open || point.x < 0 || point.y < 0 || point.x >= viewer.size || point.y >= viewer.size) { hideHover(); return; }
  const perPixel = open.view.span / viewer.size;
  const query = Math.floor(open.view.top + point.y * perPixel), key = Math.floor(open.view.left + point.x * perPixel);
  const found = [open.detail, open.whole].filter(Boolean).map((map) => ({
    map, i: cellOf(map.rowStarts, query), j: cellOf(map.colStarts, key),
  })).find((cell) => cell.i >= 0 && cell.j >= 0);
  if (!found) { hideHover(); return; }
  const { map, i, j } = found, value = map.weights[i * map.width + j];
  const rows = [map.rowStarts[i], map.rowStarts[i + 1]], cols = [map.colStarts[j], map.colStarts[j + 1]];
  // A cell of one query and one key holds that weight, pooled or not.
  let text;
  if (rows[1] - rows[0] === 1 && cols[1] - cols[0] === 1) {
    text = "query " + rows[0] + " «" + run.tokens[rows[0]] + "» → key " + cols[0] + " «" + run.tokens[cols[0]] +
      "»: " + value.toFixed(4);
  } else {
    const span = (one, many, [first, end]) => end - first === 1 ? one + " " + first
      : many + " " + first + "–" + (end - 1);
    text = map.pooling + " over " + span("query", "queries", rows) + " × " + span("key", "keys", cols) + ": " +
      value.toFixed(4);
  }
  // A file holds exact weights only in its blocks: any other value is a pooled map's.
  if (run.offline && !map.exact) text += " (pooled by " + map.pooling + ", not exact)";
  viewer.hover = { query: rows[0], key: cols[0], rows, cols, value, exact: map.exact, text };
  showHover(open, point, text, value, rows, cols);
}

function showHover(open, point, text, value, rows, cols) {
  const tip = element("tip"), box = element("cell-box"), cell = viewer.size / open.view.span;
  tip.textContent = text;
  tip.dataset.value = String(value);
  tip.hidden = false;
  const x = point.clientX + 14, y = point.clientY + 16;
  tip.style.left = Math.min(x, window.innerWidth - tip.offsetWidth - 4) + "px";
  tip.style.top = (y + tip.offsetHeight > window.innerHeight ? point.clientY - tip.offsetHeight - 10 : y) + "px";
  element("readout").textContent = text;
  // The cell's outline, cut to the map (1 px in from the box: the map's border).
  const left = clamp((cols[0] - open.view.left) * cell, 0, viewer.size);
  const right = clamp((cols[1] - open.view.left) * cell, 0, viewer.size);
  const top = clamp((rows[0] - open.view.top) * cell, 0, viewer.size);
  const bottom = clamp((rows[1] - open.view.top) * cell, 0, viewer.size);
  box.hidden = right - left < 4 && bottom - top < 4;
  Object.assign(box.style, { left: 1 + left + "px", top: 1 + top + "px", width: right - left + "px",
    height: bottom - top + "px" });
}

function hideHover() {
  viewer.hover = null;
  element("tip").hidden = element("cell-box").hidden = true;
  element("readout").textContent = "Hover a cell for its weight.";
}

// --- The address ------------------------------------------------------------------------
// #head=L.H&rows=a:b&cols=c:d names the open head and its view; with the
// text in the address (or kept in this tab), a reload comes back to it.

function writeAddressView(open) {
  const n = tokenCount();
  const rows = visibleTokens(open.view.top, open.view.span, n), cols = visibleTokens(open.view.left, open.view.span, n);
  history.replaceState(null, "", location.pathname + location.search + "#head=" + headName(open.layer, open.head) +
    "&rows=" + rows.join(":") + "&cols=" + cols.join(":"));
}

function addressView() {
  const asked = new URLSearchParams(location.hash.slice(1));
  const head = (asked.get("head") || "").split(".").map(Number);
  if (head.length !== 2 || !head.every((value) => Number.isInteger(value) && value >= 1)) return null;
  const sides = ["rows", "cols"].map((name) => (asked.get(name) || "").split(":").map(Number));
  let view = null;
  if (sides.every((side) => side.length === 2 && side.every(Number.isFinite) && side[1] > side[0])) {
    const [rows, cols] = sides;
    view = { top: rows[0], left: cols[0], span: Math.max(rows[1] - rows[0], cols[1] - cols[0]) };
  }
  return { layer: head[0], head: head[1], view };
}

// --- For the browser test ---------------------------------------------------------------

window.longView = {
  state() {
    const open = viewer.head, n = run ? tokenCount() : 0;
    return {
      run: run ? run.id : null, offline, tokens: n, layers: run ? run.layers : null, heads: run ? run.heads : null,
      readMs: run && run.offline ? run.readMs : null, thumbnailsDrawn: thumbnails.drawn,
      firstThumbnailMs: thumbnails.firstMs, allThumbnailsMs: thumbnails.allMs,
      head: open ? { layer: open.layer, head: open.head } : null,
      rows: open ? [open.view.top, open.view.top + open.view.span] : null,
      cols: open ? [open.view.left, open.view.left + open.view.span] : null,
      cellPx: open ? viewer.size / open.view.span : null,
      mode: open ? viewMode(open) : null,
      settled: open ? !viewer.pending && !viewer.waiting && !open.wholePending : null,
      pending: viewer.pending ? viewer.pending.kind : null, openMs: viewer.openMs, lastDrawMs: viewer.lastDrawMs,
      draws: viewer.draws, hover: viewer.hover,
    };
  },
  // Where cell (query, key) is centred, in the window's CSS pixels.
  cellCenter(query, key) {
    const open = viewer.head, box = mapCanvas.getBoundingClientRect(), cell = viewer.size / open.view.span;
    return { x: box.left + mapCanvas.clientLeft + (key + 0.5 - open.view.left) * cell,
      y: box.top + mapCanvas.clientTop + (query + 0.5 - open.view.top) * cell };
  },
  open: (layer, head) => openHead(layer, head),
  back: () => closeHead(),
};

// --- On load ----------------------------------------------------------------------------

hideHover();
if (offline) {
  startOffline();
} else {
  loadModels().then(() => {
    // ?text=..&pair=..&model=.. runs that text at once; a reload with a head in
    // the address runs the text kept in this tab when the address has none.
    const asked = new URLSearchParams(location.search), restore = addressView();
    let input = null;
    if (asked.has("text")) {
      input = { text: asked.get("text"), pair: asked.get("pair") || null };
    } else {
      const kept = keptInput();
      if (kept && typeof kept.text === "string") {
        if (models.some((model) => model.name === kept.model)) modelSelect.value = kept.model;
        showModel();
        if (restore) input = kept;
        element("text").value = kept.text;
        element("pair").value = kept.pair || "";
      }
    }
    if (input) {
      element("text").value = input.text;
      element("pair").value = input.pair || "";
      runText(readInput(), restore);
    }
    showTextSize();
  }).catch((error) => showStatus("Error: " + error.message, true));
}
