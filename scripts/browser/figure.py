"""Checks of a drawn figure, served in a frame or opened from a file: its
panels have pixels, its token labels sit at their tokens, and hovering a
cell shows the weight the API gives."""

import decimal
import re
import struct

from chromium_pipe import fail

from .settings import HEADS, LAYERS


class FigureChecks:
    def grid_drawn(self, frame=True, expected=None, required=()):
        stats = self.tab.evaluate(f"""(() => {{
          const doc = {'document.getElementById("figure").contentDocument' if frame else 'document'};
          return Array.from(doc.querySelectorAll("#figure canvas")).map(canvas => {{
            const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            const colours = new Set();
            let transparent = 0;
            for (let k = 0; k < data.length; k += 4) {{
              if (data[k + 3] === 0) transparent++;
              colours.add((data[k] << 16) | (data[k + 1] << 8) | data[k + 2]);
            }}
            const box = canvas.getBoundingClientRect();
            return {{slot: canvas.dataset.slot, colours: colours.size, transparent, width: box.width, height: box.height}};
          }});
        }})()""")
        if len(stats) != LAYERS * HEADS:
            fail(f"{len(stats)} panels drawn, expected {LAYERS} × {HEADS} = {LAYERS * HEADS}")
        blank = [s["slot"] for s in stats if s["colours"] < 2 or s["transparent"] > 0]
        if blank:
            fail(f"panels {blank[:10]} are blank or partly transparent: {stats[int(blank[0])]}")
        small = [s for s in stats if s["width"] < 50 or s["height"] < 50]
        if small:
            fail(f"panels are drawn smaller than 50 px: {small[:3]}")
        self.tick_labels(frame, expected, required)

    def tick_labels(self, frame, expected=None, required=()):
        """Each token label must sit at its token's row (left of the first
        panel) or column (below the first panel of the bottom row); of the
        token indices `required`, at least half must be labelled on each side."""
        n = len(self.tokens)
        expected = expected or ["[CLS]", *self.words, "[SEP]"]
        if self.tokens != expected:
            fail(f"POST /api/attention gives the tokens {self.tokens}, expected {expected}")
        geometry = self.tab.evaluate(f"""(() => {{
          const doc = {'document.getElementById("figure").contentDocument' if frame else 'document'};
          const box = element => {{ const b = element.getBoundingClientRect();
            return {{left: b.left, right: b.right, top: b.top, bottom: b.bottom, width: b.width, height: b.height}}; }};
          return {{
            first: box(doc.querySelector('#figure canvas[data-slot="0"]')),
            bottom: box(doc.querySelector('#figure canvas[data-slot="{(LAYERS - 1) * HEADS}"]')),
            texts: Array.from(doc.querySelectorAll("#figure svg text")).map(t => ({{
              text: t.textContent, rotated: (t.getAttribute("transform") || "").includes("rotate"), ...box(t)}}))
          }};
        }})()""")
        first, bottom, texts = geometry["first"], geometry["bottom"], geometry["texts"]
        rows, columns = {}, {}
        for t in texts:
            cy, cx = (t["top"] + t["bottom"]) / 2, (t["left"] + t["right"]) / 2
            if not t["rotated"] and first["left"] - 40 < t["right"] <= first["left"] and first["top"] <= cy < first["bottom"]:
                rows[int((cy - first["top"]) / first["height"] * n)] = t["text"]
            # The model figure's key labels are turned upright; "Keys" below them is not.
            if t["rotated"] and bottom["bottom"] <= t["top"] < bottom["bottom"] + 40 and bottom["left"] <= cx < bottom["right"]:
                columns[int((cx - bottom["left"]) / bottom["width"] * n)] = t["text"]
        for side, labels in (("query", rows), ("key", columns)):
            wrong = {i: s for i, s in labels.items() if s != self.tokens[i]}
            if wrong:
                fail(f"{side} tick labels sit at the wrong tokens: {wrong}; the tokens are {self.tokens}")
            # The layout may thin labels as matplotlib's tick locator does, but not below every other token.
            if len(labels) < (n + 1) // 2:
                fail(f"only {len(labels)} of {n} {side} tokens are labelled: {labels}")
            shown = [i for i in required if i in labels]
            if len(shown) < (len(required) + 1) // 2:
                fail(f"only {len(shown)} of the {side} tokens {[self.tokens[i] for i in required]} are labelled: {labels}")
        self.row_labels = rows
        print(f"      {n} tokens; {len(rows)} query and {len(columns)} key tick labels, each at its token", flush=True)
        strings = [t["text"] for t in texts]
        for required in ("Layer 1", f"Layer {LAYERS}", "Head 1", f"Head {HEADS}", "Queries", "Keys"):
            if required not in strings:
                fail(f"the figure has no text {required!r}")

    def hover_cell(self, frame=True, layer=2, head=3, query=3, scroll="nearest"):
        """Moves the mouse over one cell and checks the tooltip against the API:
        the cell of `query` (an index) and the word it attends to most."""
        slot = (layer - 1) * HEADS + (head - 1)
        n = len(self.tokens)
        weights = self.api["attentions"][layer - 1][head - 1][query]
        key = max(range(1, n - 1), key=lambda j: weights[j])
        weight = weights[key]
        canvas = f'doc.querySelector("#figure canvas[data-slot=\\"{slot}\\"]")'
        self.tab.move(self.tab.point(canvas, (key + 0.5) / n, (query + 0.5) / n, frame=frame, scroll=scroll))
        doc = 'document.getElementById("figure").contentDocument' if frame else "document"
        shown = self.tab.wait_until("the tooltip to show", f"""(() => {{
          const tip = {doc}.getElementById("tooltip");
          return getComputedStyle(tip).display !== "none" && tip.textContent; }})()""", timeout=5)
        match = re.fullmatch(r"Layer (\d+) · Head (\d+)\n(.+) → (.+): (\S+)", shown)
        if not match:
            fail(f"the tooltip reads {shown!r}, not 'Layer r · Head c\\nquery → key: weight'")
        expected = (str(layer), str(head), self.tokens[query], self.tokens[key])
        if match.groups()[:4] != expected:
            fail(f"the tooltip reads {shown!r}; expected layer {layer}, head {head}, "
                 f"{self.tokens[query]} → {self.tokens[key]}")
        digits = match.group(5)
        try:
            shown_weight = float(digits)
        except ValueError:
            fail(f"the tooltip's weight {digits!r} is not a number")
        # The page shows the float32 weight to 4 significant digits, rounded
        # once from the value itself (toPrecision: exact value, ties up).
        exact = decimal.Decimal(struct.unpack("<f", struct.pack("<f", weight))[0])
        if exact == 0:
            expected_weight = decimal.Decimal(0)
        else:
            quantum = decimal.Decimal(1).scaleb(exact.adjusted() - 3)
            expected_weight = exact.quantize(quantum, rounding=decimal.ROUND_HALF_UP)
        if decimal.Decimal(digits) != expected_weight:
            fail(f"the tooltip shows weight {digits}; POST /api/attention gives {weight} "
                 f"(to 4 significant digits {expected_weight})")
        self.hovered = (slot, f"Layer {layer} · Head {head}")
        return shown
