"""Checks of the page `attn serve` answers at GET /: the form, the figure in
its frame, zoom, enlarge, theme, saving, the choosers, refused texts,
sentence pairs, links, and that it asks nothing but its server."""

import base64
import json
import os
import shutil
import tempfile
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree

from chromium_pipe import fail

from .png import read_png
from .server import Server
from .settings import HEADS, LAYERS, PAIR, SENTENCE, WINDOW
from .tab import Browser


class ServedPageChecks:
    def start(self):
        decoder = self.options.decoder if os.path.isfile(self.options.decoder) else None
        self.server = Server(self.options.attn, self.options.model, os.path.join(self.out, "server.log"),
                             decoder=decoder)
        with urllib.request.urlopen(self.server.url + "/healthz", timeout=10) as response:
            if json.load(response) != {"status": "ok"}:
                fail("GET /healthz did not answer {\"status\":\"ok\"}")
        self.profile = tempfile.mkdtemp(prefix="attn-browser-test-")
        self.browser = Browser(self.options.chromium, self.profile, os.path.join(self.out, "chromium.log"), WINDOW)
        version = self.browser.call("Browser.getVersion", timeout=30)
        print(f"      {version['product']}, attn serve at {self.server.url}", flush=True)
        self.downloads = os.path.abspath(os.path.join(self.out, "downloads"))
        shutil.rmtree(self.downloads, ignore_errors=True)
        os.makedirs(self.downloads)
        self.browser.call("Browser.setDownloadBehavior", {
            "behavior": "allowAndName", "downloadPath": self.downloads, "eventsEnabled": True})
        self.tab = self.browser.open_tab()
        self.tab.navigate(self.server.url + "/")
        present = self.tab.evaluate("""["form", "text", "pair", "status", "figure"]
          .filter(id => !document.getElementById(id))""")
        if present:
            fail(f"the served page has no element #{', #'.join(present)}")

    def words_in_vocabulary(self):
        with open(os.path.join(self.options.model, "vocab.txt"), encoding="utf-8") as handle:
            vocabulary = set(line.rstrip("\n") for line in handle)
        self.words = SENTENCE.lower().split()
        self.pair_words = PAIR.lower().split()
        missing = [w for w in self.words + self.pair_words if w not in vocabulary]
        if missing:
            fail(f"the test sentence's words {missing} are not whole tokens of {self.options.model}/vocab.txt")

    def type_and_draw(self):
        self.tab.click(self.tab.point('document.getElementById("text")', frame=False))
        self.tab.clear_focused_field()
        self.tab.type_keys(SENTENCE)
        value = self.tab.evaluate('document.getElementById("text").value')
        if value != SENTENCE:
            fail(f"the text box holds {value!r} after typing {SENTENCE!r}")
        self.tab.click(self.tab.point('document.querySelector("#form button[type=submit]")', frame=False))
        status, self.api = self.server.post("/api/attention", {"text": SENTENCE})
        if status != 200:
            fail(f"POST /api/attention answered {status}: {self.api}")
        self.tokens = self.api["tokens"]
        expected = f"{len(self.tokens)} tokens, answered in "
        self.tab.wait_until(f"#status to start with {expected!r}",
                            f'document.getElementById("status").textContent.startsWith({json.dumps(expected)})')
        self.tab.wait_until("the figure in the frame to be drawn (html[data-render-ms])", """(() => {
          const doc = document.getElementById("figure").contentDocument;
          return doc && doc.documentElement && doc.documentElement.getAttribute("data-render-ms"); })()""")

    def zoom(self):
        """The served figure is fitted to the frame's width (no sideways
        scrolling); 100 % and 50 % draw it at those sizes, hover still names
        the right cell at 100 %, and "fit width" brings the fitted size back."""
        doc = 'document.getElementById("figure").contentDocument'
        measure = f"""(() => {{
          const doc = {doc}, root = doc.documentElement;
          return {{zoom: doc.getElementById("zoom").value, scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
                   panel: doc.querySelector('#figure canvas[data-slot="0"]').getBoundingClientRect().width,
                   figure: doc.getElementById("figure").getBoundingClientRect().width}}; }})()"""

        def choose(value):
            self.tab.evaluate(f"""(() => {{ const select = {doc}.getElementById("zoom");
              select.value = {json.dumps(value)}; select.dispatchEvent(new Event("change", {{bubbles: true}})); }})()""")
            return self.tab.evaluate(measure)
        fitted = self.tab.evaluate(measure)
        if fitted["zoom"] != "fit":
            fail(f"the served figure opens at zoom {fitted['zoom']!r}, not 'fit'")
        if fitted["scrollWidth"] > fitted["clientWidth"]:
            fail(f"fitted to the width, the figure still scrolls sideways: {fitted}")
        full = choose("100")
        if full["scrollWidth"] <= full["clientWidth"] or full["panel"] <= fitted["panel"] * 1.2:
            fail(f"at 100 % the 12-head figure should be wider than the frame and its panels larger: "
                 f"fitted {fitted}, 100 % {full}")
        shown = self.hover_cell(layer=4, head=9, query=2, scroll="center")
        half = choose("50")
        if abs(half["panel"] - full["panel"] / 2) > 1 or abs(half["figure"] - full["figure"] / 2) > 1:
            fail(f"at 50 % the panels are {half['panel']:.1f} px and the figure {half['figure']:.1f} px; "
                 f"at 100 % {full['panel']:.1f} and {full['figure']:.1f}")
        again = choose("fit")
        if abs(again["panel"] - fitted["panel"]) > 0.5 or again["scrollWidth"] > again["clientWidth"]:
            fail(f"choosing 'fit width' again gives {again}, first {fitted}")
        print(f"      panels {fitted['panel']:.0f} px fitted, {full['panel']:.0f} px at 100 %, "
              f"{half['panel']:.0f} px at 50 %; at 100 % {shown.splitlines()[1]}", flush=True)

    def enlarge(self):
        slot = self.hovered[0]
        canvas = f'doc.querySelector("#figure canvas[data-slot=\\"{slot}\\"]")'
        small = self.tab.evaluate(f'(() => {{ const doc = document.getElementById("figure").contentDocument; '
                                  f'return {canvas}.getBoundingClientRect().width; }})()')
        self.tab.click(self.tab.point(canvas, 0.3, 0.3))
        doc = 'document.getElementById("figure").contentDocument'
        self.tab.wait_until("#modal to get class open after the click",
                            f'{doc}.getElementById("modal").classList.contains("open")', timeout=5)
        big = self.tab.evaluate(f'{doc}.getElementById("modal-canvas").getBoundingClientRect().width')
        title = self.tab.evaluate(f'{doc}.getElementById("modal-title").textContent')
        if big < 1.5 * small:
            fail(f"the enlarged panel is {big:.0f} px wide, the panel {small:.0f} px")
        if title != self.hovered[1]:
            fail(f"the enlarged panel is titled {title!r}, not {self.hovered[1]!r}")
        self.shot("enlarged.png")
        self.tab.key("Escape", "Escape", 27)
        self.tab.wait_until("Esc to close #modal", f'!{doc}.getElementById("modal").classList.contains("open")', 5)

    def background(self, doc):
        return self.tab.evaluate(f'getComputedStyle({doc}.body).backgroundColor')

    def screen_colour(self, spot):
        """The colour the screen shows at a point of the viewport."""
        clip = {"x": spot["pageX"] - 2, "y": spot["pageY"] - 2, "width": 4, "height": 4}
        _, _, rows = read_png(self.tab.screenshot(None, clip), "a 4 × 4 screenshot")
        return rows[2][2]

    def theme(self):
        doc = 'document.getElementById("figure").contentDocument'
        # The figure's top left corner is margin: the page's background.
        corner = 'doc.getElementById("figure")'
        light, light_screen = self.background(doc), self.screen_colour(self.tab.point(corner, 0.01, 0.01, on_element=False))
        if sum(light_screen) < 3 * 200:
            fail(f"the screen shows rgb{light_screen} at the figure's corner in the light theme ({light})")
        self.tab.click(self.tab.point('doc.getElementById("theme")'))
        self.tab.wait_until("body.dark after clicking #theme", f'{doc}.body.classList.contains("dark")', 5)
        dark, dark_screen = self.background(doc), self.screen_colour(self.tab.point(corner, 0.01, 0.01, on_element=False))
        if dark == light or sum(dark_screen) > 3 * 80:
            fail(f"the background is {dark} and the screen rgb{dark_screen} in the dark theme (light: {light})")
        self.shot("dark.png")
        self.tab.click(self.tab.point('doc.getElementById("theme")'))
        self.tab.wait_until("body without .dark after the second click", f'!{doc}.body.classList.contains("dark")', 5)
        if self.background(doc) != light:
            fail("the light background does not come back")

    def download(self, button, frame=True):
        before = len(self.browser.events)
        self.tab.click(self.tab.point(f'doc.getElementById("{button}")', frame=frame))
        began = self.browser.wait_event(f"a download to begin after clicking #{button}",
                                        lambda e: e["method"] == "Browser.downloadWillBegin", start=before)
        guid = began["params"]["guid"]
        done = self.browser.wait_event(
            f"the download of {began['params']['suggestedFilename']} to finish",
            lambda e: e["method"] == "Browser.downloadProgress" and e["params"]["guid"] == guid
            and e["params"]["state"] in ("completed", "canceled"), timeout=30, start=before)
        if done["params"]["state"] != "completed":
            fail(f"the download of #{button} was canceled")
        path = os.path.join(self.downloads, guid)
        named = os.path.join(self.downloads, began["params"]["suggestedFilename"])
        os.replace(path, named)
        with open(named, "rb") as handle:
            return began["params"]["suggestedFilename"], handle.read()

    def save(self):
        name, data = self.download("save-png")
        if not name.endswith(".png"):
            fail(f"Save PNG suggests the name {name!r}")
        width, height, _ = read_png(data, name, decode=False)
        if not (width > height > 300):
            fail(f"{name} is {width} × {height}; a 6 × 12 grid should be wider than high")
        # The browser decodes it independently of the page, to count its colours.
        colours = self.tab.evaluate(f"""new Promise((resolve, reject) => {{
          const image = new Image();
          image.onload = () => {{
            const canvas = document.createElement("canvas");
            canvas.width = image.width; canvas.height = image.height;
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            const data = context.getImageData(0, 0, image.width, image.height).data, seen = new Set();
            for (let k = 0; k < data.length; k += 4) seen.add((data[k] << 16) | (data[k + 1] << 8) | data[k + 2]);
            resolve([image.width, image.height, seen.size]);
          }};
          image.onerror = () => reject(new Error("the saved PNG does not decode"));
          image.src = "data:image/png;base64,{base64.b64encode(data).decode()}";
        }})""", timeout=30)
        if colours[:2] != [width, height] or colours[2] < 100:
            fail(f"{name} decodes in the browser as {colours[0]} × {colours[1]} with {colours[2]} colours")
        print(f"      {name}: {width} × {height}, {len(data)} bytes, {colours[2]} colours", flush=True)
        name, data = self.download("save-svg")
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as error:
            fail(f"the saved {name} is not XML: {error}")
        svg = "{http://www.w3.org/2000/svg}"
        if root.tag != svg + "svg" or len(root.findall(f".//{svg}image")) != LAYERS * HEADS:
            fail(f"the saved {name} is not an SVG with {LAYERS * HEADS} panel images")
        texts = [t.text for t in root.iter(svg + "text")]
        missing = set(self.row_labels.values()) - set(texts)
        if missing:
            fail(f"the saved {name} lacks the token labels {sorted(missing)} the page shows")

    def hide_head(self):
        doc = 'document.getElementById("figure").contentDocument'
        self.tab.click(self.tab.point(f'doc.querySelectorAll("#columns input")[{HEADS - 1}]'))
        self.tab.wait_until(f"{LAYERS * (HEADS - 1)} panels after unchecking head {HEADS}",
                            f'{doc}.querySelectorAll("#figure canvas").length === {LAYERS * (HEADS - 1)}', 5)
        labels = self.tab.evaluate(f'Array.from({doc}.querySelectorAll("#figure svg text")).map(t => t.textContent)')
        if f"Head {HEADS}" in labels or f"Head {HEADS - 1}" not in labels:
            fail(f"after unchecking head {HEADS} the titles are {sorted(set(labels) & set(f'Head {k}' for k in range(1, 13)))}")

    def refused(self, text, pattern, keys=True):
        self.tab.click(self.tab.point('document.getElementById("text")', frame=False))
        self.tab.clear_focused_field()
        if keys:
            self.tab.type_keys(text)
        else:
            self.tab.call("Input.insertText", {"text": text})
        self.tab.click(self.tab.point('document.querySelector("#form button[type=submit]")', frame=False))
        self.tab.wait_until(f"#status.error to read /{pattern}/", f"""(() => {{
          const status = document.getElementById("status");
          return status.className === "error" && new RegExp({json.dumps(pattern)}).test(status.textContent); }})()""",
            timeout=20, state='document.getElementById("status").outerHTML')
        if not self.tab.evaluate('document.getElementById("figure").hidden'):
            fail("after an error the figure of the earlier text is still shown")

    def errors(self):
        self.refused("   ", r"^Error: .*empty")
        long = " ".join(["river"] * 600)
        self.refused(long, r"^Error: .*602 tokens.*512", keys=False)

    def no_stray_requests(self):
        urls = [e["request"]["url"] for e in self.tab.events("Network.requestWillBeSent")]
        stray = [u for u in urls if not (u.startswith(self.server.url + "/") or u.startswith(("blob:", "data:")))]
        if stray:
            fail(f"the served page asked for {stray}")
        self.tab.no_script_errors("the served page")

    def pair(self):
        """Draws a sentence pair; the figure must show both texts' tokens."""
        doc = 'document.getElementById("figure").contentDocument'
        # The frame keeps the earlier figure's document until the new one loads.
        self.tab.evaluate(f'{doc}.documentElement.setAttribute("data-earlier", "")')
        for field, text in (("text", SENTENCE), ("pair", PAIR)):
            self.tab.click(self.tab.point(f'document.getElementById("{field}")', frame=False))
            self.tab.clear_focused_field()
            self.tab.type_keys(text)
            value = self.tab.evaluate(f'document.getElementById("{field}").value')
            if value != text:
                fail(f"#{field} holds {value!r} after typing {text!r}")
        self.tab.click(self.tab.point('document.querySelector("#form button[type=submit]")', frame=False))
        status, api = self.server.post("/api/attention", {"text": SENTENCE, "pair": PAIR})
        if status != 200:
            fail(f"POST /api/attention with a pair answered {status}: {api}")
        tokens = api["tokens"]
        expected = ["[CLS]", *self.words, "[SEP]", *self.pair_words, "[SEP]"]
        if tokens != expected:
            fail(f"POST /api/attention with a pair gives the tokens {tokens}, expected {expected}")
        shown = f"{len(tokens)} tokens, answered in "
        self.tab.wait_until(f"#status to start with {shown!r}",
                            f'document.getElementById("status").textContent.startsWith({json.dumps(shown)})',
                            state='document.getElementById("status").textContent')
        self.tab.wait_until("the pair's figure to be drawn in the shown frame", f"""(() => {{
          const doc = {doc}, frame = document.getElementById("figure");
          return !frame.hidden && doc && doc.documentElement && !doc.documentElement.hasAttribute("data-earlier")
            && doc.documentElement.getAttribute("data-render-ms"); }})()""")
        single = self.api, self.tokens
        self.api, self.tokens = api, tokens
        try:
            second = range(len(self.words) + 2, len(tokens) - 1)
            self.grid_drawn(expected=expected, required=second)
            # A query of the second sentence: its weights must be the pair's.
            self.hover_cell(layer=4, head=6, query=second[2])
            self.shot("pair.png")
        finally:
            self.api, self.tokens = single

    def link(self):
        """Each drawing puts its text in the address; a link with ?text=..&pair=..
        fills the form and draws that text without a click."""
        search = self.tab.evaluate("location.search")
        expected = "?text=" + urllib.parse.quote(SENTENCE, safe="") + "&pair=" + urllib.parse.quote(PAIR, safe="")
        if search != expected:
            fail(f"after drawing the pair the address ends {search!r}, expected {expected!r}")
        # The pair the other way round, so that nothing on the page is left from before.
        text, pair = PAIR, SENTENCE
        self.tab.navigate(self.server.url + "/?" + urllib.parse.urlencode({"text": text, "pair": pair}))
        status, api = self.server.post("/api/attention", {"text": text, "pair": pair})
        if status != 200:
            fail(f"POST /api/attention with the swapped pair answered {status}: {api}")
        tokens = api["tokens"]
        expected_tokens = ["[CLS]", *self.pair_words, "[SEP]", *self.words, "[SEP]"]
        if tokens != expected_tokens:
            fail(f"POST /api/attention gives the tokens {tokens}, expected {expected_tokens}")
        shown = f"{len(tokens)} tokens, answered in "
        self.tab.wait_until(f"#status to start with {shown!r} without a click",
                            f'document.getElementById("status").textContent.startsWith({json.dumps(shown)})',
                            state='document.getElementById("status").textContent')
        self.tab.wait_until("the linked text's figure to be drawn", """(() => {
          const doc = document.getElementById("figure").contentDocument;
          return doc && doc.documentElement && doc.documentElement.getAttribute("data-render-ms"); })()""")
        fields = self.tab.evaluate('[document.getElementById("text").value, document.getElementById("pair").value]')
        if fields != [text, pair]:
            fail(f"the link's form holds {fields}, expected {[text, pair]}")
        single = self.api, self.tokens
        self.api, self.tokens = api, tokens
        try:
            self.grid_drawn(expected=expected_tokens, required=range(1, len(self.pair_words) + 1))
            self.hover_cell(layer=2, head=7, query=2)
        finally:
            self.api, self.tokens = single
        # The link under the status saves the figure shown: the page GET /view answers.
        name, saved = self.download("download", frame=False)
        view = self.server.url + "/view?" + urllib.parse.urlencode({"text": text, "pair": pair})
        with urllib.request.urlopen(view, timeout=30) as response:
            page = response.read()
        if name != "attention.html" or saved != page:
            fail(f"the saved figure is {name!r}, {len(saved)} bytes; GET /view gives {len(page)} bytes")
        print(f"      saved attention.html, {len(saved)} bytes, the page GET /view answers", flush=True)
