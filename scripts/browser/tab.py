"""Page driving over the DevTools protocol, beyond scripts/chromium_pipe.py:
tabs attached with flat sessions, scripts evaluated in them, and the real
key presses, clicks and mouse moves of a user."""

import base64
import json
import time

import chromium_pipe
from chromium_pipe import fail


class Browser(chromium_pipe.Browser):
    def open_tab(self):
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        return Tab(self, self.attach(target))


class Tab:
    """One page, attached with a flat session; everything a user does to it."""

    def __init__(self, browser, session):
        self.browser, self.session = browser, session
        for domain in ("Page", "Runtime", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method, params=None, timeout=15.0):
        return self.browser.call(method, params, self.session, timeout)

    def events(self, method):
        return [e["params"] for e in self.browser.events if e.get("sessionId") == self.session and e["method"] == method]

    def navigate(self, url, timeout=15.0):
        loaded = len(self.events("Page.loadEventFired"))
        answer = self.call("Page.navigate", {"url": url})
        if answer.get("errorText"):
            fail(f"opening {url} failed: {answer['errorText']}")
        self.browser.wait_event(
            f"the load event of {url}", lambda e: len(self.events("Page.loadEventFired")) > loaded, timeout)

    def evaluate(self, expression, timeout=15.0):
        result = self.call("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True}, timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            fail(f"JavaScript threw: {details.get('exception', {}).get('description') or details.get('text')}\n"
                 f"in: {expression[:300]}")
        return result["result"].get("value")

    def wait_until(self, what, expression, timeout=20.0, state=None):
        """Polls `expression` until it is truthy and returns its value; on
        timeout, says what the expression `state` shows (or its last value)."""
        deadline = time.monotonic() + timeout
        value = None
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                seen = self.evaluate(state) if state else value
                fail(f"timed out after {timeout:.0f} s waiting for {what} (found: {json.dumps(seen)[:300]})")
            self.browser.pump(0.05)

    def no_script_errors(self, page):
        for details in (e["exceptionDetails"] for e in self.events("Runtime.exceptionThrown")):
            fail(f"{page} threw: {details.get('exception', {}).get('description') or details.get('text')}")
        for call in self.events("Runtime.consoleAPICalled"):
            if call["type"] in ("error", "assert"):
                fail(f"{page} logged an error: {[a.get('value', a.get('description')) for a in call['args']]}")

    def mouse(self, kind, x, y, **extra):
        self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, **extra})

    def move(self, point):
        self.mouse("mouseMoved", point["x"], point["y"])

    def click(self, point):
        self.move(point)
        for kind in ("mousePressed", "mouseReleased"):
            self.mouse(kind, point["x"], point["y"], button="left", buttons=1, clickCount=1)

    def key(self, key, code, keycode, modifiers=0, commands=()):
        params = {"key": key, "code": code, "windowsVirtualKeyCode": keycode, "modifiers": modifiers}
        if commands:
            params["commands"] = list(commands)
        self.call("Input.dispatchKeyEvent", {"type": "rawKeyDown", **params})
        self.call("Input.dispatchKeyEvent", {"type": "keyUp", **params})

    def type_keys(self, text):
        for character in text:
            self.call("Input.dispatchKeyEvent", {
                "type": "keyDown", "key": character, "text": character, "unmodifiedText": character})
            self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": character})

    def clear_focused_field(self):
        self.key("a", "KeyA", 65, modifiers=2, commands=["selectAll"])
        self.key("Backspace", "Backspace", 8)

    def screenshot(self, path, clip=None):
        params = {"format": "png"}
        if clip:
            params["clip"] = {**clip, "scale": 1}
        data = base64.b64decode(self.call("Page.captureScreenshot", params, timeout=30)["data"])
        if path:
            with open(path, "wb") as handle:
                handle.write(data)
        return data

    def point(self, element, fx=0.5, fy=0.5, frame=True, on_element=True, scroll="nearest"):
        """Where, in the tab's viewport, a fraction (fx, fy) of an element's
        box is, after scrolling it into view (`scroll`: "nearest" or
        "center", as scrollIntoView takes them). `element` is a JavaScript
        expression over `doc` (the figure's document: the frame's on the
        serve page, the page itself when `frame` is false)."""
        point = self.evaluate(f"""(() => {{
          const frame = {'document.getElementById("figure")' if frame else 'null'};
          const doc = frame ? frame.contentDocument : document;
          const element = {element};
          if (!element) return null;
          element.scrollIntoView({{block: "{scroll}", inline: "{scroll}"}});
          const box = element.getBoundingClientRect();
          let x = box.left + {fx} * box.width, y = box.top + {fy} * box.height;
          const inner = doc.elementFromPoint(x, y);
          if (frame) {{
            const outer = frame.getBoundingClientRect();
            x += outer.left + frame.clientLeft; y += outer.top + frame.clientTop;
          }}
          const top = document.elementFromPoint(x, y);
          return {{x, y, pageX: x + window.scrollX, pageY: y + window.scrollY,
                   hit: (inner === element || !{json.dumps(on_element)}) && top === (frame || element)}};
        }})()""")
        if not point:
            fail(f"no element {element}")
        if not point["hit"]:
            fail(f"{element} is covered or outside the window at ({point['x']:.0f}, {point['y']:.0f})")
        return point
