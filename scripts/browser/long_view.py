"""Checks of the page GET /long answers: a long text pasted and run once,
every head drawn as a thumbnail, one head opened, zoomed with the wheel and
panned with a drag, each view drawn at once, and, zoomed to single cells,
the hovered weight the very number GET /api/runs/{id}/block answers. Then
the same page written as a file (attn model --long --out long-run.html),
opened with the network off: its thumbnails drawn from what it carries, a
head zoomed into its exact block, the hovered weight the one
attn model --npy writes, and out of the block pooled, saying so.

Alone, against a server already listening (attn serve, or a stand-in),
and/or with an attn binary and the model for the file:

    cd scripts && python3 -m browser.long_view [--url http://127.0.0.1:8080] \
        [--attn ../.build/debug/attn --model ~/.cache/attentionkit/all-MiniLM-L6-v2] [--out DIR]

(--out defaults to out/test/long-view.)
"""

import argparse
import ast
import array
import decimal
import json
import os
import shutil
import struct
import subprocess
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
# The file's exact block of head OPENED: queries and keys, first..<end.
BLOCK_ROWS, BLOCK_COLS = (200, 264), (150, 214)

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


def read_npy(path):
    """The shape and the numbers of a little-endian float32 .npy, in C order."""
    with open(path, "rb") as handle:
        raw = handle.read()
    if raw[:6] != b"\x93NUMPY":
        fail(f"{path} is not a .npy file")
    size, start = (struct.unpack("<H", raw[8:10])[0], 10) if raw[6] == 1 else (struct.unpack("<I", raw[8:12])[0], 12)
    header = ast.literal_eval(raw[start:start + size].decode("latin1"))
    if header["descr"] != "<f4" or header["fortran_order"]:
        fail(f"{path} holds {header}, not little-endian float32 in C order")
    values = array.array("f")
    values.frombytes(raw[start + size:])
    if sys.byteorder == "big":
        values.byteswap()
    shape = tuple(header["shape"])
    expected = 1
    for side in shape:
        expected *= side
    if len(values) != expected:
        fail(f"{path} holds {len(values)} numbers for the shape {shape}")
    return shape, values


def span_option(first_end):
    """first..<end as attn model's --rows and --cols take them, last included."""
    return f"{first_end[0]}-{first_end[1] - 1}"


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

    def long_offline_steps(self):
        layer, head = OPENED
        self.step(f"attn model --long --out long-run.html opens from disk offline: {LAYERS} × {HEADS} thumbnails "
                  "drawn from the file, nothing asked", self.long_offline)
        self.step(f"offline, head {layer}.{head} zoomed into its exact block: the hovered weight is crop.npy's",
                  self.long_offline_exact)
        self.step("offline, panned out of the block: pooled, the page says where the exact weights are; "
                  "a reload comes back to the view", self.long_offline_pooled)

    def long_offline(self):
        """attn model writes the run of the long text as a page with head
        OPENED in detail and exact over BLOCK_ROWS × BLOCK_COLS, and as
        crop.npy those weights of every head; the page, opened from disk
        with the network off, draws every thumbnail and asks for nothing."""
        layer, head = OPENED
        path = os.path.abspath(os.path.join(self.out, "long-run.html"))
        crop = os.path.abspath(os.path.join(self.out, "crop.npy"))
        span = ["--rows", span_option(BLOCK_ROWS), "--cols", span_option(BLOCK_COLS)]
        begun = time.monotonic()
        for what, extra in (("--long --out long-run.html",
                             ["--long", "--layers", str(layer), "--heads", str(head), *span, "--out", path]),
                            ("--npy crop.npy", [*span, "--npy", crop])):
            result = subprocess.run([self.options.attn, "model", self.options.model, long_text(), *extra],
                                    stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                fail(f"attn model {what} exited with {result.returncode}: {result.stderr.strip()}")
        shape, self.long_crop = read_npy(crop)
        rows, cols = (end - first for first, end in (BLOCK_ROWS, BLOCK_COLS))
        if shape != (LAYERS, HEADS, rows, cols):
            fail(f"crop.npy has the shape {shape}, expected {(LAYERS, HEADS, rows, cols)}")
        print(f"      attn model wrote {os.path.getsize(path)} bytes and crop.npy in {time.monotonic() - begun:.1f} s",
              flush=True)

        tab = self.tab = self.browser.open_tab()
        tab.call("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        self.long_file = url = "file://" + path
        tab.navigate(url)
        total = LAYERS * HEADS
        state = tab.wait_until(f"all {total} thumbnails to be drawn from the file", f"""(() => {{ const state = {STATE};
          return state.thumbnailsDrawn === {total} && state; }})()""", timeout=30, state=STATE)
        stats = tab.evaluate(THUMBNAIL_PIXELS)
        blank = [s for s in stats if s["colours"] < 2 or s["transparent"] > 0]
        if len(stats) != total or blank:
            fail(f"{len(stats)} thumbnails, {len(blank)} blank or partly transparent: {blank[:1]}")
        tokens = long_tokens()
        if not state["offline"] or state["run"] is not None or state["tokens"] != len(tokens):
            fail(f"the file's page reads as run {state['run']!r} (offline: {state['offline']}) of {state['tokens']} "
                 f"tokens, expected offline, no run id, {len(tokens)} tokens")
        header = tab.evaluate("""(() => ({form: document.getElementById("run-form").hidden,
          title: document.querySelector("h1").textContent, about: document.getElementById("file-about").innerText,
          held: Array.from(document.querySelectorAll(".thumb.held")).map(b => b.dataset.head)}))()""")
        model = os.path.basename(os.path.normpath(self.options.model))
        if not header["form"] or model not in header["title"]:
            fail(f"the file's page shows its form ({not header['form']}) or does not name {model}: {header['title']!r}")
        block = (f"queries {BLOCK_ROWS[0]}–{BLOCK_ROWS[1] - 1} × keys {BLOCK_COLS[0]}–{BLOCK_COLS[1] - 1}")
        if block not in header["about"] or "attn serve" not in header["about"]:
            fail(f"the file's header does not say where it is exact ({block}) and how to read the rest: "
                 f"{header['about']!r}")
        if header["held"] != [f"{layer}.{head}"]:
            fail(f"the thumbnails marked as held in detail are {header['held']}, expected {layer}.{head} alone")
        self.long_offline_asked_nothing(1)
        self.shot("long-offline-grid.png")
        print(f"      data read in {state['readMs']:.0f} ms; first thumbnail {state['firstThumbnailMs']:.0f} ms, "
              f"all {total} {state['allThumbnailsMs']:.0f} ms after the page's script began", flush=True)

    def long_offline_asked_nothing(self, loads):
        """The file's tab asked for the file alone, `loads` times, and threw nothing."""
        urls = [e["request"]["url"] for e in self.tab.events("Network.requestWillBeSent")]
        if urls != [self.long_file] * loads:
            fail(f"the file asked for more than itself: {urls[:5]}")
        failed = self.tab.events("Network.loadingFailed")
        if failed:
            fail(f"a request of the file failed: {failed[:2]}")
        self.tab.no_script_errors("the long run's file")

    def long_offline_exact(self):
        """A click opens head OPENED; the wheel over the middle of its block
        closes in until the view lies inside it: exact, drawn within
        REDRAW_MS a notch, and the hovered weight is crop.npy's, bit for bit."""
        layer, head = OPENED
        tab = self.tab
        tab.click(tab.point(f'document.querySelector(\'.thumb[data-head="{layer}.{head}"] canvas\')', frame=False))
        state = tab.wait_until(f"head {layer}.{head} to open", f"""(() => {{ const state = {STATE};
          return state.head && state.head.layer === {layer} && state.head.head === {head} && state.draws > 0
            && state.settled && state; }})()""", timeout=5, state=STATE)
        if state["openMs"] >= OPEN_MS:
            fail(f"head {layer}.{head} was drawn {state['openMs']:.1f} ms after the click (at most {OPEN_MS})")
        middle = ((BLOCK_ROWS[0] + BLOCK_ROWS[1]) // 2, (BLOCK_COLS[0] + BLOCK_COLS[1]) // 2)
        spot = tab.evaluate(f"window.longView.cellCenter({middle[0]}, {middle[1]})")
        spot = {"x": round(spot["x"]), "y": round(spot["y"])}
        tab.move(spot)
        draws, notches = [], 0
        # Until exact, and then until the cells are large enough for their tokens.
        while not (state["mode"] == "exact" and state["cellPx"] >= 16):
            notches += 1
            if notches > 25:
                fail(f"25 notches of the wheel did not zoom into the exact block: {state}")
            tab.mouse("mouseWheel", spot["x"], spot["y"], deltaX=0, deltaY=NOTCH)
            state = tab.wait_until(f"wheel notch {notches} to be drawn", f"""(() => {{ const state = {STATE};
              return state.draws > {state['draws']} && state; }})()""", timeout=5, state=STATE)
            if state["lastDrawMs"] >= REDRAW_MS:
                fail(f"wheel notch {notches} took {state['lastDrawMs']:.1f} ms to draw (at most {REDRAW_MS})")
            draws.append(state["lastDrawMs"])
        state = tab.wait_until("the view to settle", f"{STATE}.settled && {STATE}", timeout=5, state=STATE)
        if state["mode"] != "exact" or tab.evaluate('!document.getElementById("held-note").hidden'):
            fail(f"zoomed inside the block, the view is {state['mode']} and the note on exact weights shows")
        # The strongest weight of the crop whose cell shows whole.
        top, left = max(BLOCK_ROWS[0], int(state["rows"][0]) + 1), max(BLOCK_COLS[0], int(state["cols"][0]) + 1)
        bottom, right = min(BLOCK_ROWS[1], int(state["rows"][1]) - 1), min(BLOCK_COLS[1], int(state["cols"][1]) - 1)
        query, key = max(((q, k) for q in range(top, bottom) for k in range(left, right)),
                         key=lambda cell: self.long_crop_weight(*cell))
        weight = self.long_crop_weight(query, key)
        tab.move(tab.evaluate(f"window.longView.cellCenter({query}, {key})"))
        hovered = tab.wait_until(f"the hover of query {query}, key {key}, exact", f"""(() => {{
          const hover = {STATE}.hover;
          return hover && hover.query === {query} && hover.key === {key} && hover.exact && hover; }})()""",
                                 timeout=5, state=STATE)
        if hovered["value"] != weight or float32_bits(hovered["value"]) != float32_bits(weight):
            fail(f"the page holds {hovered['value']!r} for query {query}, key {key}; crop.npy {weight!r}")
        tip = tab.evaluate('(() => { const tip = document.getElementById("tip");'
                           ' return {text: tip.textContent, value: tip.dataset.value, hidden: tip.hidden}; })()')
        tokens = long_tokens()
        expected = f"query {query} «{tokens[query]}» → key {key} «{tokens[key]}»: {four_decimals(weight)}"
        if tip["hidden"] or tip["text"] != expected or float(tip["value"]) != weight:
            fail(f"the tooltip reads {tip['text']!r} = {tip['value']} (hidden: {tip['hidden']}), expected "
                 f"{expected!r} = {weight!r}")
        self.shot("long-offline-exact.png")
        print(f"      {notches} wheel notches to {state['cellPx']:.1f} px cells, redraws {min(draws):.1f}–"
              f"{max(draws):.1f} ms; {expected}; crop.npy: {weight!r}", flush=True)

    def long_crop_weight(self, query, key):
        """crop.npy's weight of head OPENED at (query, key), absolute positions."""
        layer, head = OPENED
        rows, cols = (end - first for first, end in (BLOCK_ROWS, BLOCK_COLS))
        at = (((layer - 1) * HEADS + head - 1) * rows + query - BLOCK_ROWS[0]) * cols + key - BLOCK_COLS[0]
        return self.long_crop[at]

    def long_offline_pooled(self):
        """Drags to the right carry the view a third past the block's first
        key: pooled, and the page names the block where this head is exact;
        a hovered cell left of the block says it is pooled, one in it is
        still crop.npy's. The address holds the view, and a reload opens it
        again."""
        tab = self.tab
        box = tab.evaluate('(() => { const box = document.getElementById("map").getBoundingClientRect();'
                           ' return {left: box.left, top: box.top, size: box.width}; })()')
        y = round(box["top"] + box["size"] / 2)
        drags, state = 0, self.long_state()
        while state["cols"][0] > BLOCK_COLS[0] - (state["cols"][1] - state["cols"][0]) / 3:
            drags += 1
            if drags > 10:
                fail(f"10 drags did not pan past the block's first key: {state}")
            start, end = round(box["left"] + 0.2 * box["size"]), round(box["left"] + 0.8 * box["size"])
            tab.mouse("mousePressed", start, y, button="left", buttons=1, clickCount=1)
            for k in range(1, 5):
                tab.mouse("mouseMoved", start + (end - start) * k // 4, y, button="left", buttons=1)
                state = tab.wait_until(f"drag {drags} move {k} to be drawn", f"""(() => {{ const state = {STATE};
                  return state.draws > {state['draws']} && state; }})()""", timeout=5, state=STATE)
                if state["lastDrawMs"] >= REDRAW_MS:
                    fail(f"drag {drags} move {k} took {state['lastDrawMs']:.1f} ms to draw (at most {REDRAW_MS})")
            tab.mouse("mouseReleased", end, y, button="left", buttons=1, clickCount=1)
        state = tab.wait_until("the view to settle", f"{STATE}.settled && {STATE}", timeout=5, state=STATE)
        note = tab.evaluate("""(() => { const note = document.getElementById("held-note");
          return {hidden: note.hidden, shown: note.getClientRects().length > 0, text: note.textContent}; })()""")
        block = f"queries {BLOCK_ROWS[0]}–{BLOCK_ROWS[1] - 1} × keys {BLOCK_COLS[0]}–{BLOCK_COLS[1] - 1}"
        if state["mode"] != "pooled" or note["hidden"] or not note["shown"] or block not in note["text"]:
            fail(f"panned to keys {state['cols']}, the view is {state['mode']} and the note reads {note}; expected "
                 f"pooled and a note naming {block}")
        query = int(sum(state["rows"]) / 2)
        # In the block, even with the view pooled: the exact weight.
        inside = BLOCK_COLS[0] + 2
        tab.move(tab.evaluate(f"window.longView.cellCenter({query}, {inside})"))
        hovered = tab.wait_until(f"the hover of query {query}, key {inside}", f"""(() => {{ const hover = {STATE}.hover;
          return hover && hover.query === {query} && hover.key === {inside} && hover; }})()""", timeout=5, state=STATE)
        if not hovered["exact"] or hovered["value"] != self.long_crop_weight(query, inside):
            fail(f"in the block the hover reads {hovered['text']!r} (exact: {hovered['exact']}), crop.npy "
                 f"{self.long_crop_weight(query, inside)!r}")
        # Left of the block: from a pooled map, and said so.
        outside = int(state["cols"][0]) + 2
        tab.move(tab.evaluate(f"window.longView.cellCenter({query}, {outside})"))
        hovered = tab.wait_until(f"the hover of query {query}, key {outside}", f"""(() => {{
          const hover = {STATE}.hover;
          return hover && hover.query <= {query} && hover.key <= {outside} && hover.rows[1] > {query}
            && hover.cols[1] > {outside} && hover; }})()""", timeout=5, state=STATE)
        tip = tab.evaluate('document.getElementById("tip").textContent')
        if hovered["exact"] or "pooled" not in hovered["text"] or tip != hovered["text"]:
            fail(f"left of the block the hover reads {hovered['text']!r} (exact: {hovered['exact']}), the tooltip "
                 f"{tip!r}")
        self.shot("long-offline.png")
        # The address names the head and the view; reloaded, the file opens them.
        hash_ = tab.evaluate("location.hash")
        layer, head = OPENED
        if not hash_.startswith(f"#head={layer}.{head}&rows="):
            fail(f"the address ends {hash_!r}, not the open head and its view")
        loaded = len(tab.events("Page.loadEventFired"))
        tab.call("Page.reload")
        self.browser.wait_event("the file's reload", lambda e: len(tab.events("Page.loadEventFired")) > loaded, 15)
        again = tab.wait_until("the reloaded file to open the head and view of its address", f"""(() => {{
          const state = {STATE};
          return state.head && state.settled && location.hash === {json.dumps(hash_)} && state; }})()""",
                               timeout=15, state=f"[{STATE}, location.hash]")
        if again["head"] != {"layer": layer, "head": head} or again["mode"] != "pooled":
            fail(f"reloaded with {hash_!r}, the file opens {again['head']} {again['mode']}")
        self.long_offline_asked_nothing(2)
        print(f"      {drags} drag(s) to keys {state['cols'][0]:.1f}–{state['cols'][1]:.1f}: pooled, "
              f"{hovered['text']!r}; reloaded at {hash_}", flush=True)

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
        self.options = options
        self.out = options.out
        self.server = RunningServer(options.url) if options.url else None
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
    parser.add_argument("--url", help="the server, e.g. http://127.0.0.1:8080: checks GET /long")
    parser.add_argument("--attn", help="an attn binary: checks the file attn model --long --out writes (with --model)")
    parser.add_argument("--model", help="the model folder for --attn, e.g. ~/.cache/attentionkit/all-MiniLM-L6-v2")
    parser.add_argument("--out", default=os.path.join(REPOSITORY, "out", "test", "long-view"),
                        help="screenshots and logs (default out/test/long-view)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"))
    options = parser.parse_args()
    if not options.url and not (options.attn and options.model):
        parser.error("give --url, or --attn and --model, or all three")
    if options.attn:
        options.attn, options.model = os.path.abspath(options.attn), os.path.expanduser(options.model)
    os.makedirs(options.out, exist_ok=True)
    checks = Alone(options)
    try:
        if options.url:
            checks.long_view_steps()
        if options.attn:
            checks.long_offline_steps()
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
