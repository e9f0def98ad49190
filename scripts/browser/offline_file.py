"""Checks of the page `attn model --out fig.html` writes, opened from disk
with the network off."""

import os
import subprocess
import time

from chromium_pipe import fail

from .settings import HEADS, LAYERS, SENTENCE


# A page reloaded and drawn again: its marked document replaced (during the
# reload there may be no document element yet).
RELOADED = """(() => { const root = document.documentElement;
  return !!root && !root.hasAttribute("data-earlier") && root.getAttribute("data-render-ms"); })()"""


class OfflineFileChecks:
    def export(self):
        path = os.path.abspath(os.path.join(self.out, "fig.html"))
        begun = time.monotonic()
        # Three lenses: the page opens on the first and its View select reloads it with another.
        result = subprocess.run([self.options.attn, "model", self.options.model, SENTENCE, "--out", path,
                                 "--lens", "attention,rollout,value-norm"],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            fail(f"attn model --out fig.html exited with {result.returncode}: {result.stderr.strip()}")
        print(f"      attn model wrote {os.path.getsize(path)} bytes in {time.monotonic() - begun:.1f} s", flush=True)
        tab = self.browser.open_tab()
        tab.call("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        self.tab = tab
        url = "file://" + path
        tab.navigate(url)
        tab.wait_until("the file's figure to be drawn (html[data-render-ms])",
                       'document.documentElement.getAttribute("data-render-ms")')
        self.grid_drawn(frame=False)
        # Centred, so that the screenshot shows the tooltip whole.
        self.hover_cell(frame=False, layer=LAYERS, head=HEADS, query=len(self.tokens) - 2, scroll="center")
        self.shot("file.png")
        urls = [e["request"]["url"] for e in tab.events("Network.requestWillBeSent")]
        if urls != [url]:
            fail(f"the file asked for more than itself: {urls}")
        failed = tab.events("Network.loadingFailed")
        if failed:
            fail(f"a request of the file failed: {failed}")
        tab.no_script_errors("the file's page")

    def export_views(self):
        """The file's View select lists its three lenses; choosing rollout
        reloads the page drawing one map per layer, its scale labelled."""
        tab = self.tab
        names = tab.evaluate('Array.from(document.getElementById("view").options).map(o => o.value)')
        if names != ["attention", "rollout", "value-norm"]:
            fail(f"the file's View select lists {names}")
        tab.evaluate('document.documentElement.setAttribute("data-earlier", "")')
        tab.evaluate("""(() => { const select = document.getElementById("view"); select.value = "rollout";
          select.dispatchEvent(new Event("change", {bubbles: true})); })()""")
        tab.wait_until("the rollout view to be drawn after the reload", RELOADED)
        panels = tab.evaluate('document.querySelectorAll("#figure canvas").length')
        texts = tab.evaluate('Array.from(document.querySelectorAll("#figure svg text")).map(t => t.textContent)')
        if panels != LAYERS or "rollout" not in texts:
            fail(f"the rollout view has {panels} panels (expected {LAYERS}) and texts {sorted(set(texts))[:12]}")
        if tab.evaluate("location.hash") != "#view=rollout" or tab.evaluate('document.getElementById("view").value') != "rollout":
            fail(f"after choosing rollout the address ends {tab.evaluate('location.hash')!r}")
        tab.no_script_errors("the file's rollout view")
        # Back to the first view, which the head view checks read.
        tab.evaluate('document.documentElement.setAttribute("data-earlier", "")')
        tab.evaluate("""(() => { const select = document.getElementById("view"); select.value = "attention";
          select.dispatchEvent(new Event("change", {bubbles: true})); })()""")
        tab.wait_until("the attention view to be drawn again", RELOADED)
        self.grid_drawn(frame=False)
