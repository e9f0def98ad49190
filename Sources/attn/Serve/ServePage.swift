/// The page `GET /` answers: a form that asks `POST /api/attention` for the
/// tokens (to report a refusal in words) and then shows `GET /view`, the
/// interactive HTML figure of `attn model`, in a frame. Everything is inline.
let servePage = #"""
  <!DOCTYPE html>
  <html lang="en">
  <head>
  <meta charset="utf-8">
  <title>attn serve</title>
  <style>
  body { font: 15px/1.4 "DejaVu Sans", sans-serif; margin: 1.5em; color: #222; }
  textarea, input[type=text] { width: 100%; max-width: 48em; box-sizing: border-box; font: inherit; }
  label { display: block; margin-top: 0.6em; }
  button { margin-top: 0.8em; font: inherit; padding: 0.3em 1.2em; }
  #status { margin: 0.8em 0; min-height: 1.4em; }
  #status.error { color: #b00020; }
  iframe { width: 100%; height: 80vh; border: 1px solid #ccc; }
  </style>
  </head>
  <body>
  <h1>What the model attends to</h1>
  <form id="form">
  <label for="text">Text</label>
  <textarea id="text" rows="3" required>The cat sat on the mat.</textarea>
  <label for="pair">Second sentence (optional)</label>
  <input id="pair" type="text">
  <button type="submit">Draw</button>
  </form>
  <div id="status"></div>
  <iframe id="figure" title="attention of every layer and head" hidden></iframe>
  <script>
  const form = document.getElementById("form");
  const status = document.getElementById("status");
  const frame = document.getElementById("figure");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("text").value;
    const pair = document.getElementById("pair").value;
    status.className = "";
    status.textContent = "Running the model…";
    try {
      const body = { text };
      if (pair.trim() !== "") body.pair = pair;
      const response = await fetch("/api/attention", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
      });
      const result = await response.json();
      if (!response.ok) throw new Error(result.error || response.statusText);
      const shape = [result.attentions.length, result.attentions[0].length, result.tokens.length];
      status.textContent = shape[2] + " tokens, " + shape[0] + " layers × " + shape[1] + " heads.";
      // encodeURIComponent, not URLSearchParams: a space travels as %20, not "+".
      let query = "text=" + encodeURIComponent(text);
      if (body.pair !== undefined) query += "&pair=" + encodeURIComponent(pair);
      frame.src = "/view?" + query;
      frame.hidden = false;
    } catch (error) {
      status.className = "error";
      status.textContent = "Error: " + error.message;
    }
  });
  </script>
  </body>
  </html>
  """#
