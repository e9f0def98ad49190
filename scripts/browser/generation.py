"""Checks of the served page's generation: the real default decoder chosen,
a typed prompt and a click on Generate stream tokens into the page as the
API writes them, and hovering a written token shades the tokens before it
by the attention the API streamed for it."""

import json

from chromium_pipe import fail

PROMPT = "The capital of France is"
WRITTEN = 10


class GenerationChecks:
    def generation_skipped(self):
        """Why the generation checks do not run, or None."""
        if not self.server.decoder:
            return f"no decoder at {self.options.decoder} (scripts/fetch-model --decoder fetches it)"
        return None

    def generate(self):
        models = self.server.get("/api/models")["models"]
        decoder = next((m for m in models if m["generative"]), None)
        if decoder is None:
            fail(f"GET /api/models lists no model that writes: {models}")
        self.decoder = decoder
        # The selector, as a person picks from it: focus, then the option.
        self.tab.evaluate(f"""(() => {{ const select = document.getElementById("model");
          select.value = {json.dumps(decoder["name"])}; select.dispatchEvent(new Event("change")); }})()""")
        self.tab.wait_until("the generation form to show", '!document.getElementById("generation").hidden')
        self.tab.click(self.tab.point('document.getElementById("prompt")', frame=False))
        self.tab.clear_focused_field()
        self.tab.type_keys(PROMPT)
        self.tab.evaluate(f'document.getElementById("max-tokens").value = "{WRITTEN}"')
        # Counted as they arrive: the page shows tokens before the answer ends.
        self.tab.evaluate("""window.seenCounts = [];
          new MutationObserver(() => window.seenCounts.push(
            document.querySelectorAll("#written .token.written").length))
            .observe(document.getElementById("written"), {childList: true});""")
        self.tab.click(self.tab.point('document.getElementById("generate")', frame=False))
        lines = self.server.post_lines("/api/generate", {"prompt": PROMPT, "max_tokens": WRITTEN,
                                                         "model": decoder["name"]}, timeout=120)
        self.stream = lines
        tokens = [line for line in lines if "attention" in line]
        if not tokens or "stop" not in lines[-1]:
            fail(f"POST /api/generate streamed no tokens or no last line: {str(lines)[:300]}")
        self.tab.wait_until("#generation-status to say the tokens were written",
                            'document.getElementById("generation-status").textContent.includes("tokens written")',
                            timeout=120)
        shown = self.tab.evaluate("""[...document.querySelectorAll("#written .token")]
          .map(span => [span.classList.contains("written"), span.dataset.label])""")
        expected = [[False, label] for label in lines[0]["tokens"]] + [[True, line["token"]] for line in tokens]
        if shown != expected:
            fail(f"the page shows {shown}, the API wrote {expected}")
        counts = self.tab.evaluate("window.seenCounts")
        if len(set(c for c in counts if c > 0)) < 2:
            fail(f"the written tokens did not arrive one by one (counts seen {counts})")

    def hover_written(self):
        """The last written token with visible text (a newline's box is
        empty) shades every token before it by the mean of its layers' means
        of heads, from the streamed row."""
        tokens = [line for line in self.stream if "attention" in line]
        visible = [k for k, line in enumerate(tokens) if line["text"].strip()]
        if not visible:
            fail(f"the decoder wrote no visible text: {[line['text'] for line in tokens]}")
        k = visible[-1]
        prompt_count = len(self.stream[0]["tokens"])
        index = prompt_count + k
        self.tab.move(self.tab.point(f'document.querySelectorAll("#written .token")[{index}]', frame=False))
        self.tab.wait_until("the hovered token to be active",
                            f'document.querySelectorAll("#written .token")[{index}].classList.contains("active")')
        weights = self.tab.evaluate("""[...document.querySelectorAll("#written .token")]
          .map(span => span.dataset.weight === undefined ? null : Number(span.dataset.weight))""")
        attention = tokens[k]["attention"]
        layers, heads = len(attention), len(attention[0])
        row = [sum(sum(attention[l][h][key] for h in range(heads)) / heads for l in range(layers)) / layers
               for key in range(index)]
        for key, weight in enumerate(weights):
            if key < index and (weight is None or abs(weight - row[key]) > 6e-5):
                fail(f"token {key} is shaded for {weight}, the streamed row says {row[key]:.5f}")
            if key >= index and weight is not None:
                fail(f"token {key}, not before the hovered one, is shaded for {weight}")
        backgrounds = self.tab.evaluate("""[...document.querySelectorAll("#written .token")]
          .slice(0, %d).map(span => span.style.background)""" % index)
        if len(set(backgrounds)) < 2:
            fail(f"the tokens before the hovered one are not shaded apart: {backgrounds}")
        later = self.tab.evaluate(f"""[...document.querySelectorAll("#written .token")].slice({index + 1})
          .every(span => span.classList.contains("later"))""")
        if not later:
            fail("the tokens after the hovered one are not dimmed")
        print(f"      hovered {tokens[k]['token']!r}: {index} tokens shaded as the streamed row's mean", flush=True)
