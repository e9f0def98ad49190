"""Checks of the page `attn model --out fig.html` writes, opened from disk
with the network off."""

import os
import subprocess
import time

from chromium_pipe import fail

from .settings import HEADS, LAYERS, SENTENCE


class OfflineFileChecks:
    def export(self):
        path = os.path.abspath(os.path.join(self.out, "fig.html"))
        begun = time.monotonic()
        result = subprocess.run([self.options.attn, "model", self.options.model, SENTENCE, "--out", path],
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
