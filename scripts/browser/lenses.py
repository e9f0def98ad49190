"""Checks of the lenses on the served page: the lens selector, a span
dragged over the tokens, the head atlas with a head switched off by a click,
and two texts compared, each against what the server's API answers."""

import json
import urllib.parse

from chromium_pipe import fail

from .settings import HEADS, LAYERS, MINIMAL_PAIR, SENTENCE

SHORT_LABELS = {"previous-token": "prev", "next-token": "next", "self": "self", "sink": "sink", "broad": "broad",
                "mixed": ""}


def frame_doc(frame_id):
    return f'document.getElementById("{frame_id}").contentDocument'


class LensChecks:
    def wait_drawn(self, frame_id, what, earlier=True):
        """Waits for the page in the frame to be drawn: a new document (the
        old one was marked), its render time set."""
        doc = frame_doc(frame_id)
        self.tab.wait_until(what, f"""(() => {{
          const doc = {doc}, frame = document.getElementById("{frame_id}");
          return frame.offsetParent !== null && doc && doc.documentElement && !doc.documentElement.hasAttribute("data-earlier")
            && doc.documentElement.getAttribute("data-render-ms"); }})()""",
            state='document.getElementById("status").textContent')

    def mark_frames(self):
        for frame_id in ("figure", "figure-a", "figure-b", "figure-diff"):
            self.tab.evaluate(f"""(() => {{ const doc = {frame_doc(frame_id)};
              if (doc && doc.documentElement) doc.documentElement.setAttribute("data-earlier", ""); }})()""")

    def frame_texts(self, frame_id):
        return self.tab.evaluate(f'Array.from({frame_doc(frame_id)}.querySelectorAll("#figure svg text")).map(t => t.textContent)')

    def panel_count(self, frame_id):
        return self.tab.evaluate(f'{frame_doc(frame_id)}.querySelectorAll("#figure canvas").length')

    def draw_with(self, lens):
        self.tab.navigate(self.server.url + "/")
        self.tab.wait_until("the models to be listed", 'document.getElementById("model").options.length > 0')
        self.tab.click(self.tab.point('document.getElementById("text")', frame=False))
        self.tab.clear_focused_field()
        self.tab.type_keys(SENTENCE)
        self.tab.evaluate(f"""(() => {{ const select = document.getElementById("lens");
          select.value = {json.dumps(lens)}; select.dispatchEvent(new Event("change", {{bubbles: true}})); }})()""")
        self.mark_frames()
        self.tab.click(self.tab.point('document.querySelector("#form button[type=submit]")', frame=False))
        self.wait_drawn("figure", f"the {lens} figure to be drawn")

    def lens_rollout(self):
        """Rollout has one map per layer: LAYERS panels, the scale labelled
        "rollout", the lens in the address."""
        self.draw_with("rollout")
        panels = self.panel_count("figure")
        if panels != LAYERS:
            fail(f"the rollout figure has {panels} panels, expected one per layer ({LAYERS})")
        texts = self.frame_texts("figure")
        if "rollout" not in texts:
            fail(f"the rollout figure's scale is not labelled 'rollout': {sorted(set(texts))[:20]}")
        if "lens=rollout" not in self.tab.evaluate("location.search"):
            fail(f"the address {self.tab.evaluate('location.search')!r} does not name the lens")

    def drag_span(self):
        """Pressing on the third token and letting go over the fifth draws
        the span 2-4: two panels, from the span and to it, titled by its tokens."""
        self.draw_with("attention")
        tokens = self.tab.evaluate('Array.from(document.querySelectorAll("#tokens .chip")).map(c => c.textContent)')
        if tokens != ["[CLS]", *self.words, "[SEP]"]:
            fail(f"the token strip shows {tokens}")
        first = self.tab.point('document.querySelectorAll("#tokens .chip")[2]', frame=False)
        last = self.tab.point('document.querySelectorAll("#tokens .chip")[4]', frame=False)
        self.mark_frames()
        self.tab.move(first)
        self.tab.mouse("mousePressed", first["x"], first["y"], button="left", buttons=1, clickCount=1)
        middle = self.tab.point('document.querySelectorAll("#tokens .chip")[3]', frame=False)
        for point in (middle, last):
            self.tab.mouse("mouseMoved", point["x"], point["y"], button="left", buttons=1)
        chosen = self.tab.evaluate('Array.from(document.querySelectorAll("#tokens .chip.chosen")).map(c => c.textContent)')
        if chosen != tokens[2:5]:
            fail(f"dragging from token 2 to 4 marks {chosen}")
        self.tab.mouse("mouseReleased", last["x"], last["y"], button="left", buttons=1, clickCount=1)
        self.wait_drawn("figure", "the span's figure to be drawn")
        panels = self.panel_count("figure")
        if panels != 2:
            fail(f"the span's figure has {panels} panels, expected 2 (from the span, to it)")
        span = " ".join(tokens[2:5])
        titles = [t for t in self.frame_texts("figure") if t.startswith(("from ", "to "))]
        if titles != [f"from 2-4 “{span}”", f"to 2-4 “{span}”"]:
            fail(f"the span's panels are titled {titles}")
        if "span=2-4" not in self.tab.evaluate("location.search"):
            fail("the address does not hold the span")
        # Its page is the one GET /view answers for that span.
        query = urllib.parse.urlencode({"text": SENTENCE, "span": "2-4"})
        served = self.tab.evaluate(f"""Promise.all([fetch(document.getElementById("download").href),
          fetch("/view?{query}")].map(answer => answer.then(a => a.text()))).then(([a, b]) => a === b)""")
        if not served:
            fail("the span's figure is not the page GET /view answers for span=2-4")
        self.shot("span-served.png")

    def atlas_and_ablation(self):
        """The atlas holds every head with the label POST /api/atlas gives it;
        a click switches a head off and shows the cosine POST /api/ablate
        answers; a second click turns it back on."""
        self.tab.wait_until("the atlas to be shown",
                            f'document.querySelectorAll("#atlas-grid td[data-head]").length === {LAYERS * HEADS}')
        status, api = self.server.post("/api/atlas", {"text": SENTENCE})
        if status != 200:
            fail(f"POST /api/atlas answered {status}: {api}")
        cells = self.tab.evaluate('Object.fromEntries(Array.from(document.querySelectorAll("#atlas-grid td[data-head]"))'
                                  '.map(td => [td.dataset.head, [td.textContent, getComputedStyle(td).backgroundColor]]))')
        for head in api["heads"]:
            name = f"{head['layer']}.{head['head']}"
            if cells[name][0] != SHORT_LABELS[head["label"]]:
                fail(f"head {name} is labelled {cells[name][0]!r} on the page, {head['label']!r} by the API")
        colours = {colour for _, colour in cells.values()}
        if len(colours) < 10:
            fail(f"the atlas's {len(cells)} cells have only {len(colours)} colours")
        head = "2.5"
        self.tab.click(self.tab.point(f'document.querySelector("#atlas-grid td[data-head=\\"{head}\\"]")', frame=False))
        status, effect = self.server.post("/api/ablate", {"text": SENTENCE, "heads": head})
        if status != 200:
            fail(f"POST /api/ablate answered {status}: {effect}")
        cosine = f"{effect['embedding_cosine']:.4f}"
        self.tab.wait_until(f"#ablation to show head {head} off and the cosine {cosine}", f"""(() => {{
          const text = document.getElementById("ablation").textContent;
          return text.startsWith("Switched off {head},") && text.includes("cosine before and after: {cosine}"); }})()""",
            state='document.getElementById("ablation").textContent')
        if not self.tab.evaluate(f'document.querySelector("#atlas-grid td[data-head=\\"{head}\\"]").classList.contains("off")'):
            fail(f"head {head} is not marked off after the click")
        self.shot("atlas.png")
        self.tab.click(self.tab.point(f'document.querySelector("#atlas-grid td[data-head=\\"{head}\\"]")', frame=False))
        self.tab.wait_until("a second click to turn the head back on",
                            'document.getElementById("ablation").textContent === "No head is switched off."')
        print(f"      head {head} off: cosine {cosine}; labels {sorted(set(c[0] for c in cells.values()))}", flush=True)

    def compare(self):
        """Compare shows both texts' figures side by side and A − B on the
        aligned tokens, its scale labelled, and the API's most changed head."""
        self.tab.click(self.tab.point('document.getElementById("text-b")', frame=False))
        self.tab.clear_focused_field()
        self.tab.type_keys(MINIMAL_PAIR)
        self.mark_frames()
        self.tab.click(self.tab.point('document.getElementById("compare")', frame=False))
        for frame_id in ("figure-a", "figure-b", "figure-diff"):
            self.wait_drawn(frame_id, f"#{frame_id} to be drawn")
        if not self.tab.evaluate('document.getElementById("figure").hidden'):
            fail("the single figure is still shown beside the comparison")
        for frame_id in ("figure-a", "figure-b"):
            if self.panel_count(frame_id) != LAYERS * HEADS:
                fail(f"#{frame_id} has {self.panel_count(frame_id)} panels")
        status, api = self.server.post("/api/compare", {"text": SENTENCE, "text_b": MINIMAL_PAIR})
        if status != 200:
            fail(f"POST /api/compare answered {status}: {api}")
        texts = self.frame_texts("figure-diff")
        changed = [label for label in api["aligned"] if "/" in label]
        if "A − B" not in texts or not changed or not set(changed) <= set(texts):
            fail(f"the difference is not labelled A − B with the tick labels {changed}: {sorted(set(texts))[:30]}")
        top = api["heads"][0]
        expected = f"{top['layer']}.{top['head']} {top['distance']:.3f}"
        ranking = self.tab.evaluate('document.getElementById("compare-ranking").textContent')
        if expected not in ranking:
            fail(f"the ranking {ranking!r} does not start with the API's {expected!r}")
        boxes = self.tab.evaluate("""["figure-a", "figure-b"].map(id =>
          document.getElementById(id).getBoundingClientRect()).map(box => [box.left, box.top, box.width])""")
        if not (abs(boxes[0][1] - boxes[1][1]) < 1 and boxes[1][0] >= boxes[0][0] + boxes[0][2]):
            fail(f"A and B are not side by side: {boxes}")
        self.shot("compare.png")
        print(f"      aligned {' '.join(api['aligned'])}; most changed head {expected}", flush=True)
