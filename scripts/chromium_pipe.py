"""Headless Chromium driven over its DevTools pipe (--remote-debugging-pipe):
commands go in on the browser's fd 3, answers and events come out of its
fd 4, each a JSON message ended by a NUL byte. Python's standard library
only. Used by scripts/browser-test and scripts/drive-chromium.
"""
import fcntl
import json
import os
import select
import signal
import subprocess
import time


class CheckFailed(Exception):
    pass


def fail(message):
    raise CheckFailed(message)


# --- processes ---------------------------------------------------------------


def stop_group(process, grace=3.0):
    """Ends a process started in its own session, and everything it started."""
    if process is None or process.poll() is not None and not group_alive(process.pid):
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        if not group_alive(process.pid):
            break


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError:
        return ""


class Browser:
    """Headless Chromium opened on `url`, its window `window` (width,
    height) CSS pixels, its profile in the folder `profile`, its output in
    `log_path`. `call` sends a command and waits for its answer; events
    gather in `events`."""

    def __init__(self, binary, profile, log_path, window, url="about:blank"):
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def give_pipes():
            # Above every fd in use first, so that placing them on 3 and 4
            # cannot overwrite one before it is copied.
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_read, from_browser_write)]
            for target, fd in zip((3, 4), high):
                os.dup2(fd, target)
                os.set_inheritable(target, True)

        flags = [
            "--headless", "--remote-debugging-pipe", f"--user-data-dir={profile}", "--no-first-run",
            "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--mute-audio", "--hide-scrollbars",
            "--force-device-scale-factor=1", f"--window-size={window[0]},{window[1]}",
        ]
        if os.geteuid() == 0:
            flags.append("--no-sandbox")
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [binary, *flags, url], stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            close_fds=False, preexec_fn=give_pipes, start_new_session=True)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self.buffer = b""
        self.next_id = 0
        self.answers = {}
        self.events = []

    def close(self):
        stop_group(self.process)
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            try:
                written = os.write(self.to_browser, data)
            except BrokenPipeError:
                fail(f"Chromium closed its pipe (sending {method}); its log:\n{tail(self.log.name)}")
            data = data[written:]
        return self.next_id

    def pump(self, timeout):
        """Reads whatever arrives within `timeout` seconds."""
        readable, _, _ = select.select([self.from_browser], [], [], max(0.0, timeout))
        if not readable:
            return
        chunk = os.read(self.from_browser, 1 << 20)
        if not chunk:
            fail(f"Chromium exited (status {self.process.poll()}); its log:\n{tail(self.log.name)}")
        self.buffer += chunk
        *messages, self.buffer = self.buffer.split(b"\0")
        for raw in messages:
            message = json.loads(raw)
            if "id" in message:
                self.answers[message["id"]] = message
            else:
                self.events.append(message)

    def call(self, method, params=None, session=None, timeout=15.0):
        command = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while command not in self.answers:
            if time.monotonic() > deadline:
                fail(f"timed out after {timeout:.0f} s waiting for Chromium to answer {method}")
            self.pump(deadline - time.monotonic())
        answer = self.answers.pop(command)
        if "error" in answer:
            fail(f"{method} failed: {answer['error'].get('message')} {answer['error'].get('data', '')}")
        return answer["result"]

    def wait_event(self, what, predicate, timeout=15.0, start=0):
        """The first event from index `start` on that `predicate` accepts."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events[start:]:
                if predicate(event):
                    return event
            if time.monotonic() > deadline:
                fail(f"timed out after {timeout:.0f} s waiting for {what}")
            self.pump(min(0.05, deadline - time.monotonic()))

    def attach(self, target):
        """A flat session on the target `target`, for `call(..., session=)`."""
        return self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def first_page(self, timeout=15.0):
        """A session on the page the browser opened with `url`."""
        deadline = time.monotonic() + timeout
        while True:
            pages = [t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page"]
            if pages:
                return self.attach(pages[0]["targetId"])
            if time.monotonic() > deadline:
                fail(f"no page target after {timeout:.0f} s")
            time.sleep(0.01)
