# SPDX-License-Identifier: MIT
"""One throwaway network namespace where Linux outputs are loaded and read back.

The test reads what the kernel holds, not what was written: every output is
loaded by the real tool (nft -f, iptables-restore and ip6tables-restore,
both the nf_tables and the legacy x_tables variant) and read back with
`nft -j list ruleset` or iptables-save.  A fragment is hooked in the way its
header tells the user, and the rules it brought are told apart from the
ones that hook it.  No packet is sent here: the packet lab does that.
"""

import atexit
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))

from failures import LabError  # noqa: E402  (tests/netns)
from rulesets import fragment_hooks, nft_hook_example  # noqa: E402
from shell import run  # noqa: E402
from topology import kill_netns_pids, remove_stale  # noqa: E402

PREFIX = "pscb-"
VARIANTS = ("nft", "legacy")


class LoadError(Exception):
    """The kernel (or the tool) refused the output, or its header gives no
    way to hook the fragment."""


class Kernel:
    def __init__(self):
        remove_stale(PREFIX)
        self.name = "%s%d-ns" % (PREFIX, os.getpid())
        p = run(["ip", "netns", "add", self.name], check=False)
        if p.returncode != 0:
            raise LoadError("ip netns add: %s" % p.stderr.strip())
        atexit.register(self.close)
        self.closed = False

    def close(self):
        if not self.closed:
            self.closed = True
            kill_netns_pids(self.name)
            run(["ip", "netns", "del", self.name], check=False)

    def _exec(self, argv, text=None):
        try:
            return run(["ip", "netns", "exec", self.name] + argv, input_text=text).stdout
        except LabError as e:
            raise LoadError(str(e))

    def flush(self):
        self._exec(["nft", "flush", "ruleset"])
        for tool in ("iptables", "ip6tables"):
            self._exec(["%s-legacy-restore" % tool],
                       "*raw\n:PREROUTING ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n"
                       "*filter\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n")
            self._exec(["%s-legacy" % tool, "-t", "filter", "-X"])
            self._exec(["%s-legacy" % tool, "-t", "raw", "-X"])

    # ---- nftables -------------------------------------------------------------------

    def nft_readback(self):
        return json.loads(self._exec(["nft", "-j", "list", "ruleset"]))

    def load_nft(self, text, fragment):
        """(readback, the fragment's own rule keys or None)."""
        self.flush()
        self._exec(["nft", "-f", "-"], text)
        if not fragment:
            return self.nft_readback(), None
        from readers.nft import NftRuleset
        keys = NftRuleset.rule_keys(self.nft_readback())
        hook = nft_hook_example(text)
        if hook is None:
            raise LoadError("the fragment's header shows no base chains to hook it with")
        self._exec(["nft", "-f", "-"], hook)
        return self.nft_readback(), keys

    # ---- iptables ---------------------------------------------------------------------

    def xt_readback(self, tool, variant):
        return normalize_save(self._exec(["%s-%s-save" % (tool, variant)]))

    def load_xtables(self, tool, variant, text, fragment, mode):
        """(iptables-save text, the fragment's own rule keys or None)."""
        self.flush()
        restore = "%s-%s-restore" % (tool, variant)
        if not fragment:
            self._exec([restore], text)
            return self.xt_readback(tool, variant), None
        from readers.xtables import XtablesRuleset
        self._exec([restore, "--noflush"], text)
        keys = XtablesRuleset.rule_keys(self.xt_readback(tool, variant))
        cmds = fragment_hooks(text, tool, mode, fallback=False)
        if not cmds:
            raise LoadError("the fragment's header lists no %s command to hook it" % tool)
        for cmd in cmds:
            self._exec(["%s-%s" % (tool, variant)] + cmd)
        return self.xt_readback(tool, variant), keys


def normalize_save(text):
    """iptables-save output without its dated comments, tables in name order,
    and without the tables nothing was loaded into (legacy lists every
    table it ever saw, with accept policies and no rules)."""
    tables = {}
    current = None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("*"):
            current = line[1:]
            tables[current] = []
            continue
        if current is None:
            raise LoadError("iptables-save line outside a table: %r" % line)
        tables[current].append(re.sub(r"\[\d+:\d+\]$", "[0:0]", line))
    out = []
    for name in sorted(tables):
        body = tables[name]
        empty = all(l == "COMMIT" or re.fullmatch(r":\S+ (ACCEPT|-) \[0:0\]", l) for l in body)
        if empty:
            continue
        out.append("*" + name)
        out.extend(body)
    return "\n".join(out) + "\n"
