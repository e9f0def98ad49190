// The page of attn serve, read top to bottom: the models, the attention
// figure of a text (through a lens, over words, a span dragged over), two
// texts compared, the head atlas with heads switched off by a click, and a
// decoder writing with each token's attention.
const form = document.getElementById("form");
const button = form.querySelector("button");
const status = document.getElementById("status");
const frame = document.getElementById("figure");
const download = document.getElementById("download");
const modelSelect = document.getElementById("model");
let figureURL = null;
let models = [];

function element(id) { return document.getElementById(id); }
function range(count) { return Array.from({ length: count }, (_, index) => index); }

// The message of a refused request: its {"error"} if it has one.
async function errorOf(response) {
  let message = response.status + " " + response.statusText;
  try {
    const answer = await response.json();
    if (answer.error) message = answer.error;
  } catch (_) {}
  return message;
}

// --- The models -----------------------------------------------------------------------

function chosenModel() { return models.find((model) => model.name === modelSelect.value) || models[0]; }

function showModel() {
  const model = chosenModel();
  if (!model) return;
  element("model-summary").textContent = model.architecture + ", " + model.layers + " layers × " + model.heads +
    " heads, at most " + model.max_tokens + " tokens, " + model.kind + (model.generative ? ", writes text" : "");
  // A decoder reads one text; a pair is an encoder's.
  element("pair-field").hidden = model.kind === "causal";
  element("generation").hidden = !model.generative;
  const mean = element("ablate-mode").querySelector("option[value=mean]");
  mean.disabled = model.kind === "causal";
  if (mean.disabled) element("ablate-mode").value = "zero";
  if (model.generative) fillViewSelects(model.layers, model.heads);
}

async function loadModels() {
  const response = await fetch("/api/models");
  const answer = await response.json();
  models = answer.models;
  models.forEach((model) => {
    const option = document.createElement("option");
    option.value = option.textContent = model.name;
    modelSelect.appendChild(option);
  });
  element("max-tokens").max = answer.max_generated_tokens;
  element("max-tokens").value = Math.min(Number(element("max-tokens").value), answer.max_generated_tokens);
  const asked = new URLSearchParams(location.search).get("model");
  if (asked !== null && models.some((model) => model.name === asked)) modelSelect.value = asked;
  showModel();
}
modelSelect.addEventListener("change", showModel);

// --- The attention figure of a text ------------------------------------------------------
// One request, GET /view, runs the model and draws the figure: the lens
// chosen, over words or word pieces, and, once tokens are dragged over,
// what that span attends to and what attends to it.

const view = { span: null, dragFrom: null };

form.addEventListener("submit", (event) => {
  event.preventDefault();
  view.span = null;
  draw();
});

// The query of the served model, empty for the server's default (the first).
function modelQuery() {
  return models.length > 0 && modelSelect.value !== models[0].name ? "&model=" + encodeURIComponent(modelSelect.value) : "";
}

// A span [first, last] as the server reads it: "3-5", or "4".
function spanText(span) { return span[0] === span[1] ? String(span[0]) : span[0] + "-" + span[1]; }

// The page GET `url` answers, shown from a blob: URL, which has this page's
// origin; refused, the server's message is thrown.
async function fetchPage(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(await errorOf(response));
  const tokens = JSON.parse(response.headers.get("Attention-Tokens") || "[]");
  return { url: URL.createObjectURL(await response.blob()), tokens };
}

// Hides what belongs to an earlier text.
function hideResults() {
  for (const id of ["figure", "download", "span-bar", "compare-view", "atlas"]) element(id).hidden = true;
  element("tokens").textContent = "";
}

async function draw() {
  const text = element("text").value;
  const pair = element("pair-field").hidden ? "" : element("pair").value;
  const words = element("words").checked, lens = element("lens").value;
  status.className = "";
  status.textContent = "Running the model…";
  button.disabled = true;
  const started = performance.now();
  try {
    // encodeURIComponent, not URLSearchParams: a space travels as %20, not "+".
    let query = "text=" + encodeURIComponent(text);
    if (pair.trim() !== "") query += "&pair=" + encodeURIComponent(pair);
    // The first model is the server's default; a link names any other.
    query += modelQuery();
    if (lens !== "attention") query += "&lens=" + encodeURIComponent(lens);
    if (words) query += "&words=1";
    if (view.span !== null) query += "&span=" + spanText(view.span);
    const { url, tokens } = await fetchPage("/view?" + query);
    history.replaceState(null, "", "?" + query);
    if (figureURL !== null) URL.revokeObjectURL(figureURL);
    figureURL = url;
    frame.src = figureURL;
    hideResults();
    frame.hidden = false;
    // The same page as a file: it opens from disk, offline.
    download.href = figureURL;
    download.hidden = false;
    showTokens(tokens);
    const seconds = (performance.now() - started) / 1000;
    status.textContent = tokens.length + (words ? " words" : " tokens") + ", answered in " + seconds.toFixed(2) + " s.";
    if (view.span !== null) {
      status.textContent += " The span " + spanText(view.span) + ": “" + tokens.slice(view.span[0], view.span[1] + 1)
        .join(" ") + "”.";
    }
    loadAtlas(text, pair.trim() === "" ? null : pair);
  } catch (error) {
    // The figure of an earlier text would read as this text's answer.
    hideResults();
    status.className = "error";
    status.textContent = "Error: " + error.message;
  } finally {
    button.disabled = false;
  }
}

// --- A span, by dragging over the tokens -------------------------------------------------

function showTokens(tokens) {
  const strip = element("tokens");
  strip.textContent = "";
  tokens.forEach((label, index) => {
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.textContent = label;
    chip.dataset.index = index;
    chip.addEventListener("mousedown", (event) => {
      event.preventDefault();
      view.dragFrom = index;
      markSpan(index, index);
    });
    chip.addEventListener("mouseenter", () => { if (view.dragFrom !== null) markSpan(view.dragFrom, index); });
    strip.appendChild(chip);
  });
  element("span-bar").hidden = false;
  element("span-clear").hidden = view.span === null;
  if (view.span !== null) markSpan(view.span[0], view.span[1]);
}

function markSpan(from, to) {
  const [first, last] = [Math.min(from, to), Math.max(from, to)];
  document.querySelectorAll("#tokens .chip").forEach((chip, index) => {
    chip.classList.toggle("chosen", index >= first && index <= last);
  });
}

// Letting go ends the drag, wherever the pointer is: the chosen chips are the span.
document.addEventListener("mouseup", () => {
  if (view.dragFrom === null) return;
  view.dragFrom = null;
  const chosen = [...document.querySelectorAll("#tokens .chip.chosen")].map((chip) => Number(chip.dataset.index));
  if (chosen.length === 0) return;
  view.span = [Math.min(...chosen), Math.max(...chosen)];
  draw();
});

element("span-clear").addEventListener("click", () => {
  view.span = null;
  draw();
});

// --- Two texts compared ------------------------------------------------------------------
// Each text's figure side by side, and below them A − B on the tokens
// aligned, with the heads whose rows moved most.

const compareURLs = [];

element("compare-form").addEventListener("submit", (event) => {
  event.preventDefault();
  compare();
});

async function compare() {
  const textA = element("text").value, textB = element("text-b").value, compareButton = element("compare");
  status.className = "";
  status.textContent = "Running the model on both texts…";
  compareButton.disabled = true;
  const started = performance.now();
  try {
    // The lens chosen for the figure is the one compared.
    const lens = element("lens").value, model = modelQuery() + (lens !== "attention" ? "&lens=" + lens : "");
    const query = "text=" + encodeURIComponent(textA) + "&text_b=" + encodeURIComponent(textB) + model;
    const [a, b, difference] = await Promise.all([
      fetchPage("/view?text=" + encodeURIComponent(textA) + model),
      fetchPage("/view?text=" + encodeURIComponent(textB) + model),
      fetchPage("/view/compare?" + query),
    ]);
    compareURLs.splice(0).forEach((url) => URL.revokeObjectURL(url));
    compareURLs.push(a.url, b.url, difference.url);
    const response = await fetch("/api/compare", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: textA, text_b: textB, model: modelSelect.value, lens }),
    });
    if (!response.ok) throw new Error(await errorOf(response));
    const ranking = await response.json();
    history.replaceState(null, "", "?" + query);
    hideResults();
    // Rollout and flow have one map per layer: their ranking is of layers.
    const flat = lens === "rollout" || lens === "flow";
    element("figure-a").src = a.url;
    element("figure-b").src = b.url;
    element("figure-diff").src = difference.url;
    element("caption-a").textContent = "A: " + textA;
    element("caption-b").textContent = "B: " + textB;
    element("caption-a").title = textA;
    element("caption-b").title = textB;
    element("compare-ranking").textContent = "Aligned: " + ranking.aligned.join(" ") +
      "\nThe " + (flat ? "layers" : "heads") + " whose rows changed most (mean Jensen–Shannon distance, 0 to 1): " +
      ranking.heads.slice(0, 10).map((head) => (flat ? "layer " + head.layer : head.layer + "." + head.head) + " " +
        head.distance.toFixed(3)).join(", ");
    element("compare-view").hidden = false;
    const seconds = (performance.now() - started) / 1000;
    status.textContent = "A has " + a.tokens.length + " tokens, B " + b.tokens.length + ", aligned on " +
      difference.tokens.length + " positions; answered in " + seconds.toFixed(2) + " s.";
  } catch (error) {
    hideResults();
    status.className = "error";
    status.textContent = "Error: " + error.message;
  } finally {
    compareButton.disabled = false;
  }
}

// --- The head atlas, and heads switched off ----------------------------------------------
// Every head of the drawn text as one cell, coloured by a statistic of its
// map and labelled by what it does; a click switches it off (or back on),
// and the server runs the text again without the heads switched off.

const atlas = { key: null, heads: [], off: new Set(), request: null, ticket: 0 };
const SHORT_LABELS = { "previous-token": "prev", "next-token": "next", self: "self", sink: "sink", broad: "broad",
  mixed: "" };

async function loadAtlas(text, pair) {
  const request = { text, pair, model: modelSelect.value };
  const key = JSON.stringify(request);
  // The same text again (another lens, a span) keeps the heads switched off.
  if (key === atlas.key) { element("atlas").hidden = atlas.heads.length === 0; return; }
  Object.assign(atlas, { key, heads: [], off: new Set(), request });
  atlas.ticket += 1;
  element("ablation").textContent = "";
  try {
    const response = await fetch("/api/atlas", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request),
    });
    if (!response.ok) throw new Error(await errorOf(response));
    const answer = await response.json();
    if (atlas.key !== key) return;
    Object.assign(atlas, { heads: answer.heads, dominant: answer.dominant, spread: answer.spread });
    drawAtlas();
    element("atlas").hidden = false;
  } catch (error) {
    if (atlas.key !== key) return;
    atlas.key = null;
    element("atlas").hidden = false;
    element("atlas-grid").textContent = "";
    element("ablation").className = "error";
    element("ablation").textContent = "Error: " + error.message;
  }
}

function headName(head) { return head.layer + "." + head.head; }

function drawAtlas() {
  const grid = element("atlas-grid"), statistic = element("atlas-statistic").value;
  const layers = Math.max(...atlas.heads.map((head) => head.layer));
  const heads = Math.max(...atlas.heads.map((head) => head.head));
  const values = atlas.heads.map((head) => head[statistic]);
  const low = Math.min(...values), high = Math.max(...values);
  grid.textContent = "";
  const header = grid.createTHead().insertRow();
  ["Layer \\ head"].concat(range(heads).map((head) => String(head + 1))).forEach((text) => {
    const cell = document.createElement("th");
    cell.textContent = text;
    header.appendChild(cell);
  });
  const body = grid.createTBody();
  range(layers).forEach((layer) => {
    const row = body.insertRow();
    const title = document.createElement("th");
    title.textContent = "Layer " + (layer + 1);
    row.appendChild(title);
    range(heads).forEach(() => row.insertCell());
  });
  const statisticName = element("atlas-statistic").selectedOptions[0].textContent;
  element("atlas-scale").textContent = "Colour: " + statisticName + ", from " + low.toFixed(3) + " (lightest) to " +
    high.toFixed(3) + " (darkest). prev, next, self, sink: a mean weight of at least " + atlas.dominant +
    " on the previous token, the next, the token itself, the sink tokens; broad: an entropy at least " + atlas.spread +
    " of even rows'; blank: mixed.";
  atlas.heads.forEach((head) => {
    const cell = body.rows[head.layer - 1].cells[head.head];
    const color = colorOf(head[statistic] - low, high - low);
    cell.style.background = "rgb(" + color.join(",") + ")";
    cell.style.color = textColorOn(color);
    cell.textContent = SHORT_LABELS[head.label] ?? head.label;
    cell.dataset.head = headName(head);
    cell.classList.toggle("off", atlas.off.has(headName(head)));
    cell.title = "Layer " + head.layer + ", head " + head.head + ": " + head.label + "\n" +
      ["entropy", "distance", "previous", "next", "self", "sink"].map((name) => name + " " + head[name].toFixed(3))
        .join(", ");
    cell.addEventListener("click", () => {
      const name = headName(head);
      if (atlas.off.has(name)) atlas.off.delete(name); else atlas.off.add(name);
      cell.classList.toggle("off", atlas.off.has(name));
      ablate();
    });
  });
}

element("atlas-statistic").addEventListener("change", () => { if (atlas.heads.length) drawAtlas(); });
element("ablate-mode").addEventListener("change", () => { if (atlas.off.size) ablate(); });

function byHead(a, b) {
  const [x, y] = [a, b].map((name) => name.split(".").map(Number));
  return x[0] - y[0] || x[1] - y[1];
}

async function ablate() {
  const shown = element("ablation"), heads = [...atlas.off].sort(byHead), ticket = ++atlas.ticket;
  shown.className = "";
  if (heads.length === 0) { shown.textContent = "No head is switched off."; return; }
  shown.textContent = "Running the text with " + heads.join(", ") + " switched off…";
  try {
    const response = await fetch("/api/ablate", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.assign({ heads: heads.join(","), mode: element("ablate-mode").value }, atlas.request)),
    });
    if (!response.ok) throw new Error(await errorOf(response));
    const answer = await response.json();
    if (ticket === atlas.ticket) shown.textContent = describeAblation(answer);
  } catch (error) {
    if (ticket !== atlas.ticket) return;
    shown.className = "error";
    shown.textContent = "Error: " + error.message;
  }
}

function describeAblation(answer) {
  const number = (value) => value === null ? "undefined" : value.toFixed(4);
  const lines = ["Switched off " + answer.ablated.join(", ") + (answer.mode === "mean" ?
    ", each replaced by its mean over the text." : ", their outputs zeroed.")];
  if (answer.embedding_cosine !== undefined) {
    lines.push("Sentence embedding, cosine before and after: " + number(answer.embedding_cosine));
  }
  if (answer.next_token_kl !== undefined) {
    const tokens = (top) => top.map((token) => JSON.stringify(token.text) + " " + token.probability.toFixed(3)).join(", ");
    lines.push("Next token, KL(before ‖ after): " + number(answer.next_token_kl) + " nats");
    lines.push("Likeliest next tokens before: " + tokens(answer.top_before));
    lines.push("Likeliest next tokens after: " + tokens(answer.top_after));
    lines.push("Greedy text before: " + JSON.stringify(answer.text_before));
    lines.push("Greedy text after: " + JSON.stringify(answer.text_after));
  }
  lines.push("Attention change by layer (mean |after − before|): " +
    answer.attention_change.map((change, layer) => (layer + 1) + ": " + number(change)).join(", "));
  return lines.join("\n");
}

// --- A decoder writing -------------------------------------------------------------------
// Each written token arrives with what it attended to when it was written:
// [layers][heads][tokens before it]. Hovering or focusing it shades the
// tokens before it by that row, in the chosen layer and head or their mean
// or max, on the colormap of the figures from 0 to the row's largest
// weight, as the generation page of attn generate does.

const colormap = [];
const colormapHex = JSON.parse(element("colormap").textContent);
for (let at = 0; at < colormapHex.length; at += 6) {
  colormap.push([0, 2, 4].map((offset) => parseInt(colormapHex.substr(at + offset, 2), 16)));
}

const run = { labels: [], spans: [], rows: [], promptCount: 0, active: null, hovered: false, layers: 0, heads: 0 };

function fillViewSelects(layers, heads) {
  for (const [id, count, noun] of [["generation-layer", layers, "layer"], ["generation-head", heads, "head"]]) {
    const select = element(id);
    const kept = select.value;
    select.textContent = "";
    for (const [value, name] of [["mean", "mean of " + noun + "s"], ["max", "max of " + noun + "s"]]
      .concat(range(count).map((index) => [String(index), String(index + 1)]))) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = name;
      select.appendChild(option);
    }
    if ([...select.options].some((option) => option.value === kept)) select.value = kept;
  }
}

// A choice is "mean", "max" or an index.
function combine(values, choice) {
  if (choice === "max") return Math.max(...values);
  if (choice === "mean") return values.reduce((sum, value) => sum + value, 0) / values.length;
  return values[0];
}

// The weights of written token k's row: each layer's heads combined first,
// then the layers, as GenerationFigure does.
function rowOf(k) {
  const attention = run.rows[k], layerChoice = element("generation-layer").value;
  const headChoice = element("generation-head").value;
  const layers = layerChoice === "mean" || layerChoice === "max" ? range(run.layers) : [Number(layerChoice)];
  const heads = headChoice === "mean" || headChoice === "max" ? range(run.heads) : [Number(headChoice)];
  const width = attention[0][0].length;
  return range(width).map((key) => combine(layers.map((layer) =>
    combine(heads.map((head) => attention[layer][head][key]), headChoice)), layerChoice));
}

function colorOf(weight, top) {
  const x = top > 0 ? weight / top : 0, index = Math.floor(x * colormap.length);
  return colormap[Math.max(0, Math.min(colormap.length - 1, index))];
}
function textColorOn(color) {
  return 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2] > 140 ? "#000000" : "#ffffff";
}

function clearShading() {
  run.spans.forEach((span) => {
    span.classList.remove("active", "later");
    span.style.background = span.style.color = "";
    delete span.dataset.weight;
    span.title = span.dataset.label;
  });
}

// Shades the tokens before the written token at position `index` by its row.
function shade(index) {
  clearShading();
  run.active = index;
  if (index === null || index < run.promptCount) { element("generation-scale").textContent = ""; return; }
  const k = index - run.promptCount, row = rowOf(k), top = Math.max(...row);
  run.spans.forEach((span, key) => {
    if (key < index) {
      const color = colorOf(row[key], top);
      span.style.background = "rgb(" + color.join(",") + ")";
      span.style.color = textColorOn(color);
      span.dataset.weight = row[key].toFixed(4);
      span.title = span.dataset.label + ": " + row[key].toFixed(4);
    } else if (key > index) {
      span.classList.add("later");
    }
  });
  run.spans[index].classList.add("active");
  const strongest = range(row.length).sort((a, b) => row[b] - row[a]).slice(0, 3);
  element("generation-scale").textContent = "“" + run.labels[index] + "” attended to " +
    strongest.map((key) => run.labels[key] + " " + row[key].toFixed(3)).join(", ") + " (shaded 0 to " +
    top.toFixed(3) + ")";
}

function addToken(label, text, written) {
  const span = document.createElement("span");
  span.className = "token " + (written ? "written" : "prompt");
  // The label spells a space ␣ and a newline ↵; the text shows them as they are.
  span.textContent = text !== "" ? text : label;
  if (text === "") span.classList.add("empty");
  span.dataset.label = span.title = label;
  const index = run.spans.length;
  if (written) {
    span.tabIndex = 0;
    const show = () => { run.hovered = true; shade(index); };
    span.addEventListener("mouseenter", show);
    span.addEventListener("focus", show);
  }
  run.spans.push(span);
  run.labels.push(label);
  element("written").appendChild(span);
}

const written = element("written");
written.addEventListener("mouseleave", () => { run.hovered = false; });
for (const id of ["generation-layer", "generation-head"]) {
  element(id).addEventListener("change", () => { if (run.active !== null) shade(run.active); });
}

element("generate-form").addEventListener("submit", (event) => {
  event.preventDefault();
  generate();
});

// Reads the answer's lines as they come, each drawn at once.
async function generate() {
  const generateButton = element("generate"), generationStatus = element("generation-status");
  generateButton.disabled = true;
  generationStatus.className = "";
  generationStatus.textContent = "Reading the prompt…";
  written.textContent = "";
  Object.assign(run, { labels: [], spans: [], rows: [], promptCount: 0, active: null, hovered: false });
  const started = performance.now();
  try {
    const response = await fetch("/api/generate", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        prompt: element("prompt").value, chat: element("chat").checked, model: modelSelect.value,
        max_tokens: Number(element("max-tokens").value),
      }),
    });
    if (!response.ok) throw new Error(await errorOf(response));
    const reader = response.body.getReader(), decoder = new TextDecoder();
    let pending = "", finished = false;
    while (!finished) {
      const { value, done } = await reader.read();
      pending += decoder.decode(value || new Uint8Array(), { stream: !done });
      let newline;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = JSON.parse(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        readLine(line, started);
      }
      finished = done;
    }
  } catch (error) {
    generationStatus.className = "error";
    generationStatus.textContent = "Error: " + error.message;
  } finally {
    generateButton.disabled = false;
  }
}

function readLine(line, started) {
  const generationStatus = element("generation-status");
  if (line.error !== undefined) throw new Error(line.error);
  if (line.tokens !== undefined) {
    run.layers = line.layers;
    run.heads = line.heads;
    fillViewSelects(line.layers, line.heads);
    run.promptCount = line.tokens.length;
    line.tokens.forEach((label) => addToken(label, label.replace(/␣/g, " ").replace(/↵/g, "\n"), false));
    generationStatus.textContent = "Writing…";
  } else if (line.attention !== undefined) {
    run.rows.push(line.attention);
    addToken(line.token, line.text, true);
    // The newest token is shown as it comes, unless a token is hovered.
    if (!run.hovered) shade(run.spans.length - 1);
    generationStatus.textContent = "Writing… " + run.rows.length + " tokens";
  } else if (line.stop !== undefined) {
    const seconds = (performance.now() - started) / 1000;
    generationStatus.textContent = line.generated + " tokens written in " + seconds.toFixed(2) + " s; stopped: " +
      line.stop + ". Hover a written token to see what it attended to.";
  }
}

loadModels().then(() => {
  // A link to this page with ?text=..&pair=.. fills the form and draws it;
  // each drawing puts its text in the address, so it can be shared or kept.
  // So does ?text=..&text_b=.. compare two texts, and lens, words and span
  // choose the view.
  const asked = new URLSearchParams(location.search);
  if (asked.has("text")) {
    element("text").value = asked.get("text");
    element("pair").value = asked.get("pair") || "";
    if (asked.has("lens") && element("lens").querySelector("option[value='" + asked.get("lens") + "']")) {
      element("lens").value = asked.get("lens");
    }
    element("words").checked = asked.get("words") === "1";
    const span = (asked.get("span") || "").split("-").map(Number);
    if (asked.has("span") && span.every(Number.isInteger)) view.span = [span[0], span[span.length - 1]];
    if (asked.has("text_b")) {
      element("text-b").value = asked.get("text_b");
      compare();
    } else {
      draw();
    }
  }
}).catch((error) => {
  status.className = "error";
  status.textContent = "Error: " + error.message;
});
