const form = document.getElementById("form");
const button = form.querySelector("button");
const status = document.getElementById("status");
const frame = document.getElementById("figure");
const download = document.getElementById("download");
let figureURL = null;
form.addEventListener("submit", (event) => {
  event.preventDefault();
  draw();
});
// A link to this page with ?text=..&pair=.. fills the form and draws it;
// each drawing puts its text in the address, so it can be shared or kept.
const asked = new URLSearchParams(location.search);
if (asked.has("text")) {
  document.getElementById("text").value = asked.get("text");
  document.getElementById("pair").value = asked.get("pair") || "";
  draw();
}
async function draw() {
  const text = document.getElementById("text").value;
  const pair = document.getElementById("pair").value;
  status.className = "";
  status.textContent = "Running the model…";
  button.disabled = true;
  const started = performance.now();
  try {
    // encodeURIComponent, not URLSearchParams: a space travels as %20, not "+".
    let query = "text=" + encodeURIComponent(text);
    if (pair.trim() !== "") query += "&pair=" + encodeURIComponent(pair);
    const response = await fetch("/view?" + query);
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try {
        const answer = await response.json();
        if (answer.error) message = answer.error;
      } catch (_) {}
      throw new Error(message);
    }
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
