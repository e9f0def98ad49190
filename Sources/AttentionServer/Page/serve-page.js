// The page of attn serve, read top to bottom: the models, the attention
// figure of a text, and a decoder writing with each token's attention.
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

form.addEventListener("submit", (event) => {
  event.preventDefault();
  draw();
});

async function draw() {
  const text = element("text").value;
  const pair = element("pair-field").hidden ? "" : element("pair").value;
  status.className = "";
  status.textContent = "Running the model…";
  button.disabled = true;
  const started = performance.now();
  try {
    // encodeURIComponent, not URLSearchParams: a space travels as %20, not "+".
    let query = "text=" + encodeURIComponent(text);
    if (pair.trim() !== "") query += "&pair=" + encodeURIComponent(pair);
    // The first model is the server's default; a link names any other.
    if (models.length > 0 && modelSelect.value !== models[0].name) {
      query += "&model=" + encodeURIComponent(modelSelect.value);
    }
    const response = await fetch("/view?" + query);
    if (!response.ok) throw new Error(await errorOf(response));
    history.replaceState(null, "", "?" + query);
    // The page is shown from a blob: URL, which has this page's origin, so
    // one request both runs the model and draws the figure.
    const page = await response.blob();
    const tokens = JSON.parse(response.headers.get("Attention-Tokens") || "[]");
    if (figureURL !== null) URL.revokeObjectURL(figureURL);
    figureURL = URL.createObjectURL(page);
    frame.src = figureURL;
    frame.hidden = false;
    // The same page as a file: it opens from disk, offline.
    download.href = figureURL;
    download.hidden = false;
    const seconds = (performance.now() - started) / 1000;
    status.textContent = tokens.length + " tokens, answered in " + seconds.toFixed(2) + " s.";
  } catch (error) {
    // The figure of an earlier text would read as this text's answer.
    frame.hidden = true;
    download.hidden = true;
    status.className = "error";
    status.textContent = "Error: " + error.message;
  } finally {
    button.disabled = false;
  }
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
  const asked = new URLSearchParams(location.search);
  if (asked.has("text")) {
    element("text").value = asked.get("text");
    element("pair").value = asked.get("pair") || "";
    draw();
  }
}).catch((error) => {
  status.className = "error";
  status.textContent = "Error: " + error.message;
});
