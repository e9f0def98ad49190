"""Checks of the page GET /long answers: a long text pasted and run once,
every head drawn as a thumbnail, one head opened, zoomed with the wheel and
panned with a drag, each view drawn at once, and, zoomed to single cells,
the hovered weight the very number GET /api/runs/{id}/block answers.

Alone, against a server already listening (attn serve, or a stand-in):

    cd scripts && python3 -m browser.long_view --url http://127.0.0.1:8080 [--out DIR]

(--out defaults to out/test/long-view.)
"""

import argparse
import decimal
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import urllib.request

from chromium_pipe import CheckFailed, fail

from .settings import HEADS, LAYERS, PAIR, SENTENCE, WINDOW
from .tab import Browser

REPOSITORY = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# SENTENCE and PAIR, 15 whole words of the vocabulary, 27 times: with [CLS]
# and [SEP], 407 tokens.
REPEATS = 27
# The head opened, as layer and head from 1.
OPENED = (3, 5)
# The most the page may take: from the run's answer to the first thumbnail
# drawn, from a click on a thumbnail to its head drawn, for each redraw.
FIRST_THUMBNAIL_MS, OPEN_MS, REDRAW_MS = 2000, 300, 100
# The wheel of a mouse, one notch towards the screen.
NOTCH = -120

STATE = "window.longView.state()"
THUMBNAIL_PIXELS = """Array.from(document.querySelectorAll("#thumbnails .thumb canvas")).map(canvas => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data, colours = new Set();
  let transparent = 0;
  for (let k = 0; k < data.length; k += 4) {
    if (data[k + 3] === 0) transparent++;
    colours.add((data[k] << 16) | (data[k + 1] << 8) | data[k + 2]);
  }
  return {head: canvas.parentElement.dataset.head, colours: colours.size, transparent, width: canvas.width};
})"""


def long_text():
    return " ".join([SENTENCE, PAIR] * REPEATS)


def long_tokens():
    return ["[CLS]", *(SENTENCE + " " + PAIR).lower().split() * REPEATS, "[SEP]"]


def four_decimals(value):
    """`value.toFixed(4)` as JavaScript writes it: the exact double, ties up."""
    return str(decimal.Decimal(value).quantize(decimal.Decimal("0.0001"), rounding=decimal.ROUND_HALF_UP))


def float32_bits(value):
    return struct.pack("<f", value)


class LongViewChecks:
    def long_view_steps(self):
        self.step(f"GET /long: a pasted {len(long_tokens())}-token text runs; {LAYERS} × {HEADS} thumbnails drawn",
                  self.long_run)
        self.step(f"a click on thumbnail {OPENED[0]}.{OPENED[1]} opens its head within {OPEN_MS} ms", self.long_open)
        self.step(f"wheel zoom around the pointer and a drag pan, each drawn within {REDRAW_MS} ms", self.long_zoom)
        self.step("the hovered cell's weight is the one GET /api/runs/{id}/block answers; Esc goes back",
                  self.long_hover)

    def long_state(self):
        return self.tab.evaluate(STATE)

    def long_run(self):
        """A pasted text and a click on Run: the status names its tokens,
        layers and heads, and every head's thumbnail gets pixels, the first
        within FIRST_THUMBNAIL_MS of the run's answer."""
        # A tab of its own: the one before may be offline.
        self.tab = self.browser.open_tab()
        self.tab.navigate(self.server.url + "/long")
        self.tab.wait_until("GET /long to list the models", 'document.getElementById("model").options.length > 0')
        tokens = long_tokens()
        self.tab.click(self.tab.point('document.getElementById("text")', frame=False))
        self.tab.clear_focused_field()
        self.tab.call("Input.insertText", {"text": long_text()})
        self.tab.click(self.tab.point('document.getElementById("run")', frame=False))
        expected = f"{len(tokens)} tokens · {LAYERS} layers × {HEADS} heads · "
        self.tab.wait_until(f"#status to start with {expected!r}",
                            f'document.getElementById("status").textContent.trim().startsWith({json.dumps(expected)})',
                            timeout=60, state='document.getElementById("status").textContent')
        total = LAYERS * HEADS
        self.tab.wait_until(f"all {total} thumbnails to be drawn", f"{STATE}.thumbnailsDrawn === {total}", timeout=60,
                            state=STATE)
        stats = self.tab.evaluate(THUMBNAIL_PIXELS)
        if len(stats) != total:
            fail(f"{len(stats)} thumbnails, expected {LAYERS} × {HEADS} = {total}")
        blank = [s for s in stats if s["colours"] < 2 or s["transparent"] > 0]
        if blank:
            fail(f"thumbnails {[s['head'] for s in blank[:10]]} are blank or partly transparent: {blank[0]}")
        heads = [s["head"] for s in stats]
        if heads[:2] != ["1.1", "1.2"] or heads[-1] != f"{LAYERS}.{HEADS}":
            fail(f"the thumbnails are not layer by layer, head by head: {heads[:3]} … {heads[-1]}")
        state = self.long_state()
        if state["tokens"] != len(tokens):
            fail(f"the page ran {state['tokens']} tokens, expected {len(tokens)}")
        first = state["firstThumbnailMs"]
        if first is None or first >= FIRST_THUMBNAIL_MS:
            fail(f"the first thumbnail was drawn {first} ms after the run's answer (at most {FIRST_THUMBNAIL_MS})")
        self.shot("long-grid.png")
        print(f"      {state['run']}: {len(tokens)} tokens; first thumbnail {first:.0f} ms after the run's answer, "
              f"all {total} in {state['allThumbnailsMs']:.0f} ms", flush=True)

    def long_open(self):
        """A click on a thumbnail opens its head, drawn within OPEN_MS of
        the click; then its whole map comes, pooled at the canvas's size."""
        layer, head = OPENED
        self.tab.click(self.tab.point(f'document.querySelector(\'.thumb[data-head="{layer}.{head}"] canvas\')',
                                      frame=False))
        state = self.tab.wait_until(f"head {layer}.{head} to open", f"""(() => {{ const state = {STATE};
          return state.head && state.head.layer === {layer} && state.head.head === {head} && state.draws > 0
            && state; }})()""", timeout=5, state=STATE)
        if state["openMs"] is None or state["openMs"] >= OPEN_MS:
            fail(f"head {layer}.{head} was drawn {state['openMs']} ms after the click (at most {OPEN_MS})")
        if not self.tab.evaluate('document.getElementById("grid-view").hidden'):
            fail("the thumbnails are still shown beside the open head")
        n = state["tokens"]
        if state["rows"] != [0, n] or state["cols"] != [0, n]:
            fail(f"the head opens on rows {state['rows']} and columns {state['cols']}, not the whole map 0:{n}")
        self.tab.wait_until("the whole map to arrive", f"{STATE}.settled", timeout=30, state=STATE)
        print(f"      head {layer}.{head} drawn {state['openMs']:.1f} ms after the click", flush=True)

    def long_zoom(self):
        """Each notch of the wheel closes in around the pointer, a drag to
        the right moves the keys shown to the left, and each step is drawn
        within REDRAW_MS; zoomed in far enough, the weights are exact."""
        spot = self.tab.point('document.getElementById("map")', 0.42, 0.57, frame=False)
        # Mouse events carry whole CSS pixels.
        spot = {"x": round(spot["x"]), "y": round(spot["y"])}
        box = self.tab.evaluate('(() => { const map = document.getElementById("map");'
                                ' const box = map.getBoundingClientRect();'
                                ' return {left: box.left + map.clientLeft, top: box.top + map.clientTop,'
                                ' size: map.clientWidth}; })()')
        fx, fy = (spot["x"] - box["left"]) / box["size"], (spot["y"] - box["top"]) / box["size"]
        self.tab.move(spot)
        draws = []

        def step(what, act):
            before = self.long_state()
            act()
            after = self.tab.wait_until(f"the view to be drawn again after {what}", f"""(() => {{ const state = {STATE};
              return state.draws > {before['draws']} && state; }})()""", timeout=5, state=STATE)
            if after["lastDrawMs"] >= REDRAW_MS:
                fail(f"{what} took {after['lastDrawMs']:.1f} ms to draw (at most {REDRAW_MS})")
            draws.append(after["lastDrawMs"])
            return before, after

        notches = 0
        while self.long_state()["cellPx"] < 16:
            notches += 1
            if notches > 20:
                fail(f"20 notches of the wheel did not zoom to 16 px cells: {self.long_state()}")
            before, after = step(f"wheel notch {notches}", lambda: self.tab.mouse(
                "mouseWheel", spot["x"], spot["y"], deltaX=0, deltaY=NOTCH))
            span, was = after["rows"][1] - after["rows"][0], before["rows"][1] - before["rows"][0]
            if not span < was or abs(after["cols"][1] - after["cols"][0] - span) > 1e-9 * span:
                fail(f"wheel notch {notches} did not zoom in on a square: rows {before['rows']} → {after['rows']}, "
                     f"cols {after['cols']}")
            # The token under the pointer stays under it.
            for side, fraction in (("rows", fy), ("cols", fx)):
                held, now = (s[side][0] + fraction * (s[side][1] - s[side][0]) for s in (before, after))
                if abs(held - now) > 1e-6 * after["tokens"]:
                    fail(f"wheel notch {notches} moved the {side} under the pointer from {held:.4f} to {now:.4f}")
        zoomed = self.long_state()
        cell = zoomed["cellPx"]
        # A drag right by 120 px in four moves: the keys shown move left by 120 px of tokens.
        self.tab.mouse("mousePressed", spot["x"], spot["y"], button="left", buttons=1, clickCount=1)
        for k in range(1, 5):
            step(f"drag move {k}", lambda k=k: self.tab.mouse("mouseMoved", spot["x"] + 30 * k, spot["y"],
                                                              button="left", buttons=1))
        self.tab.mouse("mouseReleased", spot["x"] + 120, spot["y"], button="left", buttons=1, clickCount=1)
        dragged = self.long_state()
        moved = zoomed["cols"][0] - dragged["cols"][0]
        if abs(moved - 120 / cell) > 1e-6 * dragged["tokens"] or dragged["rows"] != zoomed["rows"]:
            fail(f"a 120 px drag right moved the keys from {zoomed['cols']} to {dragged['cols']} and the queries "
                 f"from {zoomed['rows']} to {dragged['rows']}; expected the keys {120 / cell:.3f} tokens left")
        self.tab.wait_until("the exact weights of the view (mode exact, nothing pending)", f"""(() => {{
          const state = {STATE}; return state.settled && state.mode === "exact"; }})()""", timeout=30, state=STATE)
        print(f"      {notches} wheel notches to {cell:.1f} px cells, a 120 px drag; redraws "
              f"{min(draws):.1f}–{max(draws):.1f} ms (median {sorted(draws)[len(draws) // 2]:.1f})", flush=True)

    def long_hover(self):
        """The cell under the pointer shows its tokens and its weight, the
        one GET /api/runs/{id}/block answers for it, to 4 decimals; Esc goes
        back to the thumbnails."""
        state = self.long_state()
        layer, head = OPENED
        # The strongest weight whose cell shows whole.
        top, left = int(state["rows"][0]) + 1, int(state["cols"][0]) + 1
        shown = self.server.get(f"/api/runs/{state['run']}/block?layer={layer}&head={head}"
                                f"&rows={top}:{int(state['rows'][1]) - 1}&cols={left}:{int(state['cols'][1]) - 1}")
        weights = shown["weights"]
        i, j = max(((i, j) for i in range(len(weights)) for j in range(len(weights[0]))),
                   key=lambda cell: weights[cell[0]][cell[1]])
        query, key = top + i, left + j
        self.tab.move(self.tab.evaluate(f"window.longView.cellCenter({query}, {key})"))
        hovered = self.tab.wait_until(f"the hover of query {query}, key {key}, exact", f"""(() => {{
          const hover = {STATE}.hover;
          return hover && hover.query === {query} && hover.key === {key} && hover.exact && hover; }})()""",
                                      timeout=5, state=STATE)
        answer = self.server.get(f"/api/runs/{state['run']}/block?layer={layer}&head={head}"
                                 f"&rows={query}:{query + 1}&cols={key}:{key + 1}")
        weight = answer["weights"][0][0]
        if hovered["value"] != weight or float32_bits(hovered["value"]) != float32_bits(weight):
            fail(f"the page holds {hovered['value']!r} for query {query}, key {key}; the block API answers {weight!r}")
        tip = self.tab.evaluate('(() => { const tip = document.getElementById("tip");'
                                ' return {text: tip.textContent, value: tip.dataset.value, hidden: tip.hidden}; })()')
        tokens = long_tokens()
        expected = f"query {query} «{tokens[query]}» → key {key} «{tokens[key]}»: {four_decimals(weight)}"
        if tip["hidden"] or tip["text"] != expected:
            fail(f"the tooltip reads {tip['text']!r} (hidden: {tip['hidden']}), expected {expected!r}")
        if float(tip["value"]) != weight:
            fail(f"the tooltip's data-value is {tip['value']}, the API's weight {weight!r}")
        self.shot("long-zoomed.png")
        self.tab.key("Escape", "Escape", 27)
        self.tab.wait_until("Esc to go back to the thumbnails", f"""!document.getElementById("grid-view").hidden
          && {STATE}.head === null""", timeout=5)
        self.tab.no_script_errors("the long-run page")
        print(f"      {expected}; the block API: {weight!r}", flush=True)


class RunningServer:
    """A server already listening at `url`, asked as Server asks."""

    def __init__(self, url):
        self.url = url.rstrip("/")

    def get(self, path, timeout=30.0):
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            return json.load(response)


class Alone(LongViewChecks):
    """The checks of this file alone, in a browser of their own."""

    def __init__(self, options):
        self.out = options.out
        self.server = RunningServer(options.url)
        self.profile = tempfile.mkdtemp(prefix="attn-long-view-")
        self.browser = Browser(options.chromium, self.profile, os.path.join(self.out, "chromium.log"), WINDOW)
        self.tab = None

    def step(self, name, function):
        begun = time.monotonic()
        function()
        print(f"ok    {name} ({time.monotonic() - begun:.1f} s)", flush=True)

    def shot(self, name, tab=None):
        path = os.path.join(self.out, name)
        (tab or self.tab).screenshot(path)
        return path

    def close(self):
        self.browser.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--out", default=os.path.join(REPOSITORY, "out", "test", "long-view"),
                        help="screenshots and logs (default out/test/long-view)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    options = parser.parse_args()
    os.makedirs(options.out, exist_ok=True)
    checks = Alone(options)
    try:
        checks.long_view_steps()
    except CheckFailed as error:
        print(f"FAIL  {error}", file=sys.stderr)
        if checks.tab:
            print(f"      screenshot: {checks.shot('failure.png')}", file=sys.stderr)
        return 1
    finally:
        checks.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
