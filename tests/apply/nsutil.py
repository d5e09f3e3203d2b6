# SPDX-License-Identifier: MIT
"""Helpers for the portspec apply tests: network namespaces, rulesets, a pty.

Every namespace is made with `ip netns add` and deleted afterwards; the
portspec under test runs inside one with `ip netns exec`, on a pseudo
terminal (pty.fork: the pty is its controlling terminal, as an SSH session's
would be) so that the confirmation prompt is driven the way a person would.
"""
import os
import pty
import select
import signal
import subprocess
import time

EXE = os.environ.get("PORTSPEC_EXE", "portspec")
HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "peer.py")
PYTHON = "/usr/bin/python3"
PROMPT = b"keep? "

# The iptables variants: the prefix of their programs.
IPTABLES_VARIANTS = ("iptables-nft", "iptables-legacy")

_count = 0


def sh(*args, ns=None, input=None, check=True):
    """Runs a command (in namespace ns) and returns its stdout."""
    argv = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    p = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(argv), p.returncode,
                                                        p.stdout, p.stderr))
    return p.stdout


class Namespace:
    """A network namespace with loopback up; `with` deletes it."""

    def __init__(self, tag="ns"):
        global _count
        _count += 1
        self.name = "psapply-%d-%d-%s" % (os.getpid(), _count, tag)
        sh("ip", "netns", "add", self.name)
        sh("ip", "link", "set", "lo", "up", ns=self.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)

    def run(self, *args, input=None, check=True):
        return sh(*args, ns=self.name, input=input, check=check)


def strip_comments(text):
    """iptables-save's '# Generated ... on DATE' lines are not the ruleset."""
    return "".join(l + "\n" for l in text.splitlines() if not l.startswith("#"))


def listing(ns, variant):
    """The ruleset as the kernel lists it: `nft list ruleset` (with counters,
    quotas and set elements), or iptables-save and ip6tables-save without
    counters."""
    if variant == "nft":
        return ns.run("nft", "list", "ruleset")
    v6 = variant.replace("iptables", "ip6tables")
    return (strip_comments(ns.run(variant + "-save")) + "--- ip6tables\n" +
            strip_comments(ns.run(v6 + "-save")))


def tool_options(variant):
    """The apply options that pick the variant's programs."""
    if variant == "nft":
        return ["--backend", "nft"]
    v6 = variant.replace("iptables", "ip6tables")
    return ["--backend", "iptables,ip6tables", "--iptables-restore", variant + "-restore",
            "--ip6tables-restore", v6 + "-restore"]


def load(ns, variant, text, family=4):
    """Loads a ruleset with the real tool, as an administrator would."""
    if variant == "nft":
        ns.run("nft", "-f", "-", input=text)
    else:
        tool = variant if family == 4 else variant.replace("iptables", "ip6tables")
        ns.run(tool + "-restore", input=text)


class Apply:
    """`portspec apply ARGS` inside ns on a pseudo terminal."""

    def __init__(self, ns, *args):
        self.out = b""
        self.status = None
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvp("ip", ["ip", "netns", "exec", ns.name, EXE, "apply", *args])
            finally:
                os._exit(127)

    def _read(self, until=None, timeout=30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if until is not None and until in self.out:
                return True
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if not r:
                if self._reaped():
                    return until is None
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:  # EIO: the other side is gone
                data = b""
            if not data:
                return until is None
            self.out += data
        return False

    def _reaped(self):
        if self.status is None:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
        return self.status is not None

    def wait_prompt(self):
        assert self._read(PROMPT, 30), "no prompt:\n" + self.text()
        return self

    def type(self, data):
        os.write(self.fd, data)
        return self

    def signal(self, sig):
        os.kill(self.pid, sig)
        return self

    def hang_up(self):
        """Closes the terminal, as a dropped SSH connection does."""
        os.close(self.fd)
        self.fd = None
        return self

    def finish(self, timeout=30.0):
        """Waits for the end; returns the exit status."""
        if self.fd is not None:
            self._read(None, timeout)
        end = time.monotonic() + timeout
        while not self._reaped():
            assert time.monotonic() < end, "apply did not end:\n" + self.text()
            time.sleep(0.02)
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        return self.status

    def text(self):
        return self.out.decode(errors="replace").replace("\r\n", "\n")


def apply_batch(ns, *args, stdin=subprocess.DEVNULL):
    """`portspec apply ARGS` without a terminal; returns (status, stderr)."""
    p = subprocess.run(["ip", "netns", "exec", ns.name, EXE, "apply", *args], stdin=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stderr


def render(*args):
    return subprocess.run([EXE, "render", "-q", *args], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def veth(a, a_if, a_addr, b, b_if, b_addr):
    """A veth pair between namespaces a and b, addressed and up."""
    tmp = "psv%d" % os.getpid()
    sh("ip", "link", "add", tmp + "a", "netns", a.name, "type", "veth", "peer", "name",
       tmp + "b", "netns", b.name)
    for ns, old, new, addr in ((a, tmp + "a", a_if, a_addr), (b, tmp + "b", b_if, b_addr)):
        ns.run("ip", "link", "set", old, "name", new)
        ns.run("ip", "addr", "add", addr, "dev", new)
        ns.run("ip", "link", "set", new, "up")


class Peer:
    """peer.py in a namespace: a TCP echo server, or a client that keeps one
    connection open and echoes a line through it on request."""

    def __init__(self, ns, *args):
        self.p = subprocess.Popen(["ip", "netns", "exec", ns.name, PYTHON, PEER, *args],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, bufsize=1)
        line = self.p.stdout.readline().strip()
        assert line == "ready", "peer.py %s: %r %s" % (args, line, self.p.stderr.read())

    def echo(self, word):
        """Sends word through the open connection; returns what came back."""
        self.p.stdin.write(word + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def connects(ns, addr, port, timeout=1.0):
    """Can a new TCP connection be made from ns?"""
    p = subprocess.run(["ip", "netns", "exec", ns.name, PYTHON, PEER, "probe", addr, str(port),
                        str(timeout)], capture_output=True, text=True, timeout=30)
    return p.returncode == 0
