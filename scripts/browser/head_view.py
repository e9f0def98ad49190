"""Checks of the head view, read from its canvas's pixels: the selects
choose the panel, a hovered query shows only its lines, each as opaque as
its weight over the strongest, and leaving out [CLS] and [SEP] drops theirs."""

import base64
import math

from chromium_pipe import fail

from .settings import HEADS, LAYERS

# The head view's layout as figure-page.js draws it, in CSS pixels:
# query labels end at `left`, key labels start at `right`, lines run from
# left + 6 to right - 6, and token i's row is centred at top + (i + 0.5) * row.
HEAD_VIEW = {"width": 520, "left": 190, "right": 330, "top": 10, "row": 16, "inset": 6}


class HeadLines:
    """The head view's lines of one query, read from its pixels: how much of
    the accent each pixel holds over the background, which inked pixels lie
    off the query's lines, and each line's opacity."""

    def __init__(self, width, height, background, accent, n):
        self.width, self.height, self.n = width, height, n
        self.background = background
        self.span = [a - b for a, b in zip(accent, background)]
        self.norm = sum(d * d for d in self.span)
        if self.norm < 3 * 40 ** 2:
            fail(f"the head view's accent rgb{tuple(accent)} is hardly distinguishable from its background "
                 f"rgb{tuple(background)}")
        g = HEAD_VIEW
        self.x0, self.x1 = g["left"] + g["inset"], g["right"] - g["inset"]
        self.ends = [g["top"] + (j + 0.5) * g["row"] for j in range(n)]

    def ink(self, pixels, x, y):
        """How much of the accent a pixel holds over the background, 0 to 1."""
        at = 4 * (y * self.width + x)
        return max(0.0, min(1.0, sum((p - b) * d for p, b, d in zip(pixels[at:at + 3], self.background, self.span))
                            / self.norm))

    def off_lines(self, pixels, query):
        """Inked pixels between the label columns farther than 2.5 px from
        every line of `query`."""
        x0, x1, y0, stray = self.x0, self.x1, self.ends[query], []
        for y in range(self.height):
            for x in range(x0 + 3, x1 - 2):
                if self.ink(pixels, x, y) < 0.15:
                    continue
                py, t = y + 0.5, (x + 0.5 - x0) / (x1 - x0)
                if min(abs(py - (y0 + t * (e - y0))) * (x1 - x0) / math.hypot(x1 - x0, e - y0) for e in self.ends) > 2.5:
                    stray.append((x, y))
        return stray

    def opacities(self, pixels, query):
        """Each line's opacity, across the line near its key end, where
        neighbouring lines are 0.85 × a row apart: the ink summed down a pixel
        column is the opacity times the line's vertical thickness (1.5 px / cos)."""
        return self.opacities_from(pixels, self.ends[query])

    def opacities_from(self, pixels, y0):
        """`opacities` of the lines that start at height y0 on the query side."""
        x0, x1 = self.x0, self.x1
        x = int(x0 + 0.85 * (x1 - x0))
        t = (x + 0.5 - x0) / (x1 - x0)
        opacity = []
        for e in self.ends:
            y = y0 + t * (e - y0)
            total = sum(self.ink(pixels, x, row) for row in range(max(0, int(y) - 5), min(self.height, int(y) + 6)))
            opacity.append(total * (x1 - x0) / math.hypot(x1 - x0, e - y0) / 1.5)
        return opacity


class HeadViewChecks:
    def choose_head(self, layer, head):
        """Chooses the head view's panel with its selects (from 1), as a user does."""
        self.tab.evaluate(f"""(() => {{
          for (const [id, value] of [["head-row", {layer - 1}], ["head-column", {head - 1}]]) {{
            const select = document.getElementById(id);
            select.value = String(value);
            select.dispatchEvent(new Event("change", {{bubbles: true}}));
          }} }})()""")

    def head_canvas(self):
        """The head view's pixels, as (width, height, RGBA bytes)."""
        data = self.tab.evaluate("""(() => {
          const canvas = document.getElementById("head-canvas");
          const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
          let text = "";
          for (let k = 0; k < data.length; k += 0x8000) text += String.fromCharCode.apply(null, data.subarray(k, k + 0x8000));
          return [canvas.width, canvas.height, btoa(text)];
        })()""")
        return data[0], data[1], base64.b64decode(data[2])

    def head_lines(self, width, height, pixels):
        """Measures the head view's lines in its pixels: the background is
        read at its corner, the accent from the page's --accent."""
        accent = self.tab.evaluate("""(() => {
          const context = document.createElement("canvas").getContext("2d");
          context.fillStyle = getComputedStyle(document.body).getPropertyValue("--accent").trim();
          context.fillRect(0, 0, 1, 1);
          return Array.from(context.getImageData(0, 0, 1, 1).data.slice(0, 3)); })()""")
        return HeadLines(width, height, pixels[4 * (width + 1):4 * (width + 1) + 3], accent, len(self.tokens))

    def head_view(self):
        """The selects choose the head view's panel; hovering a query token
        leaves only its lines, the strongest one the most opaque."""
        present = self.tab.evaluate("""["head-canvas", "head-row", "head-column", "head-k"]
          .filter(id => !document.getElementById(id))""")
        if present:
            fail(f"the file's page has no element #{', #'.join(present)}")
        n, g = len(self.tokens), HEAD_VIEW
        width, height, first = self.head_canvas()
        if (width, height) != (g["width"], n * g["row"] + 2 * g["top"]):
            fail(f"the head view is {width} × {height} px for {n} tokens, expected the layout "
                 f"{g['width']} × {n * g['row'] + 2 * g['top']} (HEAD_VIEW)")
        # A panel other than the first and a query of it whose strongest key
        # is a word and whose runner-up is as opaque as can be but at most 0.8
        # of it, so that picking out the strongest line means something.
        def ratio(weights):
            top = sorted(weights, reverse=True)
            return top[1] / top[0]
        choices = [(ratio(w[i]), layer, head, i)
                   for layer in range(1, LAYERS + 1) for head in range(1, HEADS + 1) if (layer, head) != (1, 1)
                   for w in [self.api["attentions"][layer - 1][head - 1]] for i in range(1, n - 1)
                   if ratio(w[i]) <= 0.8 and 0 < max(range(n), key=lambda j: w[i][j]) < n - 1]
        if not choices:
            fail("no query of any head has a word as its strongest key at 1.25 × its runner-up")
        runner_up, layer, head, query = max(choices)
        self.choose_head(layer, head)
        chosen = self.head_canvas()[2]
        if chosen == first:
            fail(f"choosing layer {layer}, head {head} in #head-row and #head-column leaves the head view as it was")
        weights = self.api["attentions"][layer - 1][head - 1]
        strongest = max(range(n), key=lambda j: weights[query][j])
        qy = g["top"] + (query + 0.5) * g["row"]
        self.tab.move(self.tab.point('document.getElementById("head-canvas")',
                                     (g["left"] - 10) / width, qy / height, frame=False))
        hovered = self.head_canvas()[2]
        if hovered == chosen:
            fail(f"moving the mouse over the query {self.tokens[query]!r} leaves the head view as it was")
        self.shot("headview.png")

        lines = self.head_lines(width, height, hovered)
        if not lines.off_lines(chosen, query):
            fail("before the hover the head view draws only lines of one query; the next check would prove nothing")
        stray = lines.off_lines(hovered, query)
        if stray:
            fail(f"hovering {self.tokens[query]!r} still draws {len(stray)} pixels off its lines, e.g. at {stray[:3]}")
        opacity = lines.opacities(hovered, query)
        drawn = max(range(n), key=lambda j: opacity[j])
        top = max(weights[query])
        worst = max(range(n), key=lambda j: abs(opacity[j] - weights[query][j] / top))
        if drawn != strongest:
            fail(f"the most opaque line of {self.tokens[query]!r} goes to {self.tokens[drawn]!r} "
                 f"(opacity {opacity[drawn]:.2f}); its strongest key in the API is {self.tokens[strongest]!r} "
                 f"(weight {weights[query][strongest]:.3f}, opacity {opacity[strongest]:.2f})")
        if abs(opacity[worst] - weights[query][worst] / top) > 0.15:
            fail(f"the line {self.tokens[query]!r} → {self.tokens[worst]!r} has opacity {opacity[worst]:.2f}, "
                 f"the API's weight over the strongest is {weights[query][worst] / top:.2f}")
        print(f"      head view, layer {layer} head {head}: {self.tokens[query]} → {self.tokens[strongest]} most "
              f"opaque, runner-up at {runner_up:.2f}; line opacities "
              f"within {abs(opacity[worst] - weights[query][worst] / top):.2f} of weight / strongest", flush=True)
        self.tab.move({"x": 5, "y": 5})
        if self.head_canvas()[2] != chosen:
            fail("after the mouse leaves the head view it does not show the chosen panel's lines again")

    def head_view_words(self):
        """Ticking "leave out [CLS], [SEP]" drops those tokens' lines: for a
        query whose strongest key is [CLS] or [SEP], the strongest word's
        line becomes fully opaque and each word's line weight / strongest
        word; without a hover no line touches a special token."""
        n, g = len(self.tokens), HEAD_VIEW
        label = self.tab.evaluate('document.getElementById("head-special-text").textContent')
        if label != "leave out [CLS], [SEP]":
            fail(f"the head view's box reads {label!r}, not 'leave out [CLS], [SEP]'")
        words = range(1, n - 1)

        def shares(row):
            ranked = sorted((row[j] for j in words), reverse=True)
            return ranked[0] / max(row), ranked[1] / ranked[0]
        # Queries whose strongest key is special, their strongest word at most
        # half as strong, and the word runner-up at most 0.8 of the strongest word.
        choices = [(second, share, layer, head, i)
                   for layer in range(1, LAYERS + 1) for head in range(1, HEADS + 1)
                   for w in [self.api["attentions"][layer - 1][head - 1]] for i in words
                   for share, second in [shares(w[i])]
                   if max(range(n), key=lambda j: w[i][j]) in (0, n - 1) and share <= 0.5 and second <= 0.8]
        if not choices:
            fail("no query of any head attends most to [CLS] or [SEP] with a clear strongest word")
        second, share, layer, head, query = min(choices)
        self.choose_head(layer, head)
        weights = self.api["attentions"][layer - 1][head - 1][query]
        strongest_word = max(words, key=lambda j: weights[j])
        canvas = 'document.getElementById("head-canvas")'

        def hover_query():
            width, height, _ = self.head_canvas()
            self.tab.move(self.tab.point(canvas, (g["left"] - 10) / width, (g["top"] + (query + 0.5) * g["row"]) / height,
                                         frame=False))
            return self.head_canvas()
        width, height, before = hover_query()
        lines = self.head_lines(width, height, before)
        plain = lines.opacities(before, query)
        self.tab.click(self.tab.point('document.getElementById("head-special")', frame=False))
        if not self.tab.evaluate('document.getElementById("head-special").checked'):
            fail("a click on the head view's 'leave out' box leaves it unticked")
        _, _, after = hover_query()
        self.shot("headview-words.png")
        stray = lines.off_lines(after, query)
        if stray:
            fail(f"with special tokens left out, hovering {self.tokens[query]!r} draws {len(stray)} pixels off its "
                 f"lines, e.g. at {stray[:3]}")
        opacity = lines.opacities(after, query)
        for j in (0, n - 1):
            if opacity[j] > 0.1:
                fail(f"with special tokens left out, the line {self.tokens[query]!r} → {self.tokens[j]!r} is still "
                     f"drawn (opacity {opacity[j]:.2f})")
        if abs(plain[strongest_word] - share) > 0.15:
            fail(f"before ticking the box the line to the strongest word {self.tokens[strongest_word]!r} has opacity "
                 f"{plain[strongest_word]:.2f}, expected about {share:.2f}; the check after it would prove nothing")
        worst = max(words, key=lambda j: abs(opacity[j] - weights[j] / weights[strongest_word]))
        off = abs(opacity[worst] - weights[worst] / weights[strongest_word])
        if max(words, key=lambda j: opacity[j]) != strongest_word or off > 0.15:
            fail(f"with special tokens left out the line {self.tokens[query]!r} → {self.tokens[worst]!r} has opacity "
                 f"{opacity[worst]:.2f}; its weight over the strongest word's is "
                 f"{weights[worst] / weights[strongest_word]:.2f}")
        # Without a hover: nothing at the ends of the special tokens' rows.
        self.tab.move({"x": 5, "y": 5})
        _, _, resting = self.head_canvas()
        for j in (0, n - 1):
            for x in (lines.x0 + 1, lines.x1 - 2):
                y = int(lines.ends[j])
                inked = sum(lines.ink(resting, x, row) for row in range(y - 3, y + 4))
                if inked > 0.3:
                    fail(f"with special tokens left out, a line still ends at {self.tokens[j]!r} "
                         f"(ink {inked:.2f} at x {x})")
        self.tab.click(self.tab.point('document.getElementById("head-special")', frame=False))
        print(f"      layer {layer} head {head}: {self.tokens[query]} → {self.tokens[strongest_word]} at opacity "
              f"{plain[strongest_word]:.2f} beside [CLS]/[SEP], {opacity[strongest_word]:.2f} without them; "
              f"word lines within {off:.2f} of weight / strongest word", flush=True)

    def head_view_span(self):
        """Pressing on a query token and letting go two tokens further shows
        the span's lines: from its middle to each key, as opaque as the span's
        rows summed over the largest sum, each sum written; Esc clears it."""
        n, g = len(self.tokens), HEAD_VIEW
        layer, head, first, last = 2, 4, 2, 4
        self.choose_head(layer, head)
        width, height, before = self.head_canvas()
        canvas = 'document.getElementById("head-canvas")'

        def query_point(index):
            return self.tab.point(canvas, (g["left"] - 10) / width, (g["top"] + (index + 0.5) * g["row"]) / height,
                                  frame=False)
        start = query_point(first)
        self.tab.move(start)
        self.tab.mouse("mousePressed", start["x"], start["y"], button="left", buttons=1, clickCount=1)
        for index in range(first + 1, last + 1):
            point = query_point(index)
            self.tab.mouse("mouseMoved", point["x"], point["y"], button="left", buttons=1)
        self.tab.mouse("mouseReleased", point["x"], point["y"], button="left", buttons=1, clickCount=1)
        self.tab.move({"x": 5, "y": 5})
        text = self.tab.evaluate('document.getElementById("head-span").textContent')
        expected = f"from {first}-{last} “{' '.join(self.tokens[first:last + 1])}”: its rows summed"
        if not text.startswith(expected):
            fail(f"after the drag the head view says {text!r}, expected it to start {expected!r}")
        _, _, pixels = self.head_canvas()
        self.shot("headview-span.png")
        weights = self.api["attentions"][layer - 1][head - 1]
        sums = [sum(weights[q][k] for q in range(first, last + 1)) for k in range(n)]
        lines = self.head_lines(width, height, before)
        opacity = lines.opacities_from(pixels, g["top"] + ((first + last) / 2 + 0.5) * g["row"])
        worst = max(range(n), key=lambda k: abs(opacity[k] - sums[k] / max(sums)))
        if abs(opacity[worst] - sums[worst] / max(sums)) > 0.15:
            fail(f"the span's line to {self.tokens[worst]!r} has opacity {opacity[worst]:.2f}; the API's rows "
                 f"{first}-{last} sum to {sums[worst]:.3f} there, {sums[worst] / max(sums):.2f} of the largest")
        self.tab.key("Escape", "Escape", 27)
        if self.tab.evaluate('document.getElementById("head-span").textContent') != "":
            fail("Esc leaves the head view's span")
        print(f"      layer {layer} head {head}, span {first}-{last}: line opacities within "
              f"{abs(opacity[worst] - sums[worst] / max(sums)):.2f} of the summed rows / the largest", flush=True)
