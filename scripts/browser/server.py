"""`attn serve` as the browser test runs it: started on a free port, its
output in a log, asked directly for what the page should show."""

import json
import re
import subprocess
import time
import urllib.error
import urllib.request

from chromium_pipe import fail, stop_group, tail


class Server:
    """`attn serve` on port 0, its output in a log file."""

    def __init__(self, attn, model, log_path, timeout=60.0, decoder=None):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        # The encoder first: the page and the API answer it when no model is named.
        self.decoder = decoder
        models = ["--model", model] + (["--model", decoder] if decoder else [])
        self.process = subprocess.Popen(
            [attn, "serve", *models, "--port", "0"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", tail(log_path, 50))
            if match:
                self.url, self.port = match.group(1), int(match.group(2))
                break
            if self.process.poll() is not None:
                fail(f"attn serve exited with status {self.process.returncode} before listening:\n{tail(log_path)}")
            if time.monotonic() > deadline:
                fail(f"timed out after {timeout:.0f} s waiting for attn serve to print 'listening on'")
            time.sleep(0.05)
        if self.port == 0:
            fail("attn serve --port 0 printed port 0 instead of the port it listens on")

    def post(self, path, body, timeout=30.0):
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def get(self, path, timeout=30.0):
        with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
            return json.load(response)

    def post_lines(self, path, body, timeout=30.0):
        """A newline-delimited JSON answer, each line parsed."""
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return [json.loads(line) for line in response.read().decode().splitlines() if line]

    def close(self):
        stop_group(self.process)
        self.log.close()
