"""The pages' scripts parse: `node --check` on every .js file under Sources/,
skipped, and saying so, where node is not installed."""

import glob
import os
import shutil
import subprocess

from chromium_pipe import fail

SOURCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Sources")


class PageScriptChecks:
    def page_scripts_parse(self):
        scripts = sorted(glob.glob(os.path.join(SOURCES, "**", "*.js"), recursive=True))
        if not scripts:
            fail(f"no .js files under {os.path.normpath(SOURCES)}")
        node = shutil.which("node")
        if not node:
            print(f"      skipped: node is not on PATH, so {len(scripts)} page scripts are not syntax-checked",
                  flush=True)
            return
        for script in scripts:
            result = subprocess.run([node, "--check", script], stdin=subprocess.DEVNULL, capture_output=True,
                                    text=True, timeout=60)
            if result.returncode != 0:
                fail(f"node --check {os.path.relpath(script)} exited with {result.returncode}:\n"
                     f"{result.stderr.strip()}")
        print(f"      node --check: {', '.join(os.path.basename(s) for s in scripts)}", flush=True)
