"""One run of the browser test: the checks in order, each printed as it
passes, and the screenshots they take."""

import os
import shutil
import time

from .figure import FigureChecks
from .generation import GenerationChecks
from .head_view import HeadViewChecks
from .lenses import LensChecks
from .long_view import LongViewChecks
from .offline_file import OfflineFileChecks
from .page_scripts import PageScriptChecks
from .served_page import ServedPageChecks
from .settings import HEADS, LAYERS


class Run(PageScriptChecks, ServedPageChecks, FigureChecks, OfflineFileChecks, HeadViewChecks, GenerationChecks,
          LensChecks, LongViewChecks):
    def __init__(self, options):
        self.options = options
        self.out = options.out
        self.started = time.monotonic()
        self.server = self.browser = None
        self.tab = None

    def step(self, name, function):
        begun = time.monotonic()
        function()
        print(f"ok    {name} ({time.monotonic() - begun:.1f} s)", flush=True)

    def shot(self, name, tab=None):
        path = os.path.join(self.out, name)
        (tab or self.tab).screenshot(path)
        return path

    def run(self):
        self.step("the pages' scripts parse", self.page_scripts_parse)
        self.step("the model's vocabulary holds the test words", self.words_in_vocabulary)
        self.step("attn serve --port 0 listens; Chromium opens GET /", self.start)
        self.step("typed text and a click on Draw show the figure", self.type_and_draw)
        self.step(f"{LAYERS} × {HEADS} panels with pixels, each token label at its token", self.grid_drawn)
        self.shot("served.png")
        self.step("hovering a cell shows its tokens and the API's weight", self.hover_cell)
        self.shot("hover.png")
        self.step("the figure is fitted to the frame; 100 % and 50 % zoom, hover still right", self.zoom)
        self.step("a click enlarges the panel, Esc closes it", self.enlarge)
        self.step("the theme button darkens the background and back", self.theme)
        self.step("Save PNG and Save SVG download a valid PNG and SVG", self.save)
        self.step(f"unchecking head {HEADS} leaves {LAYERS} × {HEADS - 1} panels", self.hide_head)
        self.step("blank and 602-token texts are refused in #status", self.errors)
        self.step("a typed second sentence draws [CLS] text [SEP] pair [SEP], labels at their tokens", self.pair)
        self.step("the address holds the drawn text; a link /?text=..&pair=.. draws at once", self.link)
        self.step(f"the lens selector draws rollout: {LAYERS} maps, its scale labelled", self.lens_rollout)
        self.shot("lens-rollout.png")
        self.step("dragging over tokens 2-4 draws that span's attention, the page GET /view answers",
                  self.drag_span)
        self.step(f"the atlas labels {LAYERS} × {HEADS} heads as POST /api/atlas; a click switches one off and back",
                  self.atlas_and_ablation)
        self.step("Compare shows A and B side by side and A − B on aligned tokens, heads ranked as the API",
                  self.compare)
        skipped = self.generation_skipped()
        if skipped:
            print(f"skip  the decoder's generation on the served page: {skipped}", flush=True)
        else:
            self.step("choosing the decoder, a typed prompt and Generate stream the API's tokens one by one",
                      self.generate)
            self.step("hovering a written token shades the tokens before it by its streamed attention",
                      self.hover_written)
            self.shot("generation.png")
        self.step("the served page asked only its server and threw nothing", self.no_stray_requests)
        self.step("attn model --out fig.html opens from disk offline, hover works", self.export)
        self.step("its View select reloads the page with the rollout lens, and back", self.export_views)
        self.step("the head view follows its selects; a hovered query shows only its lines, strongest most opaque",
                  self.head_view)
        self.step("leaving out [CLS] and [SEP] drops their lines and rescales the words'", self.head_view_words)
        self.step("dragging over three query tokens shows the span's rows summed; Esc clears it",
                  self.head_view_span)
        self.long_view_steps()
        self.long_offline_steps()

    def close(self):
        if self.browser:
            self.browser.close()
            shutil.rmtree(self.profile, ignore_errors=True)
        if self.server:
            self.server.close()
