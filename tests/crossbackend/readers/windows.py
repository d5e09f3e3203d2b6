# SPDX-License-Identifier: MIT
"""netsh advfirewall scripts and NetSecurity PowerShell scripts to a packet evaluator.

Both become one rule model: allow rules with a direction, a protocol,
local or remote ports and remote addresses (and interface aliases, should
a script name them), plus the default actions and the stateful FTP
setting.  Only the statements the backends write are read; anything else
raises ParseError.

How the Windows firewall decides, as modelled here:
* an inbound connection is allowed when an allow rule of direction in
  matches it (localport: its destination port, remoteip: its source), an
  outbound one by a rule of direction out (remoteport, remoteip: its
  destination); otherwise the default action decides: block in a complete
  script, the caller's settings in a fragment ("return");
* the platform provides the baseline without rules: loopback traffic is
  not filtered, the firewall is stateful (replies and related traffic
  pass), and the predefined Core Networking rules, which these scripts
  leave in place, allow IPv6 neighbour discovery; a host does not forward;
* the stateful FTP filter (statefulftp, on by default) follows the data
  connections of outbound FTP control connections (tcp/21).
"""

import re

from atoms import Atoms
from intervals import IntervalSet, parse_networks, parse_ports
from packets import ND_TYPES, Outcome, ParseError


class WinRule:
    def __init__(self, name):
        self.name = name
        self.direction = None
        self.protocol = None
        self.local_ports = None
        self.remote_ports = None
        self.remote = None       # None: any; else family -> IntervalSet
        self.local = None
        self.aliases = None
        self.text = name


class WindowsRuleset:
    def __init__(self, label, fragment):
        self.label = label
        self.fragment = fragment
        self.atoms = Atoms()
        self.rules = []
        self.default_in = None      # block or allow, None: untouched
        self.default_out = None
        self.stateful_ftp = None    # True, False, None: untouched (Windows default: on)
        self.enabled = None
        self.families = (4, 6)
        self.dead_rules = []
        self.notes = ["loopback: not filtered by the Windows firewall",
                      "established/related: the firewall is stateful",
                      "neighbour discovery: the predefined Core Networking rules",
                      "forwarding: the host does not route"]

    # ---- the shared rule model ---------------------------------------------------

    def add(self, rule, where):
        if rule.direction not in ("in", "out") or rule.protocol not in ("tcp", "udp"):
            raise ParseError("%s: rule %s: direction %s protocol %s" % (
                where, rule.name, rule.direction, rule.protocol))
        if rule.direction == "in" and rule.remote_ports is not None or \
                rule.direction == "out" and rule.local_ports is not None:
            raise ParseError("%s: rule %s filters source ports" % (where, rule.name))
        if rule.local is not None:
            raise ParseError("%s: rule %s: local addresses" % (where, rule.name))
        field = "src" if rule.direction == "in" else "dst"
        if rule.remote is not None:
            for fam, s in rule.remote.items():
                self.atoms.add_addrs(field, fam, s)
        if rule.aliases:
            for a in rule.aliases:
                self.atoms.add_iface("iif" if rule.direction == "in" else "oif", a)
        self.rules.append(rule)

    @staticmethod
    def addresses(items, where):
        if items == ["any"]:
            return None
        try:
            return parse_networks(items)
        except ValueError as e:
            raise ParseError("%s: %s" % (where, e))

    @staticmethod
    def ports(items, where):
        try:
            return parse_ports(items, "-")
        except ValueError as e:
            raise ParseError("%s: %s" % (where, e))

    # ---- evaluation -----------------------------------------------------------------

    def evaluate(self, pkt, ports):
        if pkt.hook == "forward":
            if self.fragment:
                return [(ports, Outcome("return", rule="%s: not a rule of the script"
                                        % self.label))]
            return [(ports, Outcome("drop", rule="%s: the host does not route" % self.label))]
        iface = pkt.iif if pkt.hook == "input" else pkt.oif
        if iface == "lo":
            return [(ports, Outcome("accept", rule="%s: loopback is not filtered" % self.label,
                                    implicit="loopback"))]
        if pkt.state != "new":
            return [(ports, Outcome("accept", rule="%s: stateful" % self.label,
                                    implicit="established"))]
        if pkt.proto == "icmpv6" and pkt.icmp_type in ND_TYPES:
            return [(ports, Outcome("accept", rule="%s: Core Networking rules" % self.label,
                                    implicit="neighbor-discovery"))]
        direction = "in" if pkt.hook == "input" else "out"
        addr = pkt.src if direction == "in" else pkt.dst
        live = ports
        out = []
        for r in self.rules:
            if not live:
                break
            if r.direction != direction or r.protocol != pkt.proto:
                continue
            if r.remote is not None and addr not in r.remote.get(pkt.family, IntervalSet()):
                continue
            if r.aliases is not None and iface not in r.aliases:
                continue
            want = r.local_ports if direction == "in" else r.remote_ports
            hit = live if want is None else live & want
            if not hit:
                continue
            if direction == "out" and pkt.proto == "tcp" and self.stateful_ftp is not False:
                # The stateful FTP filter follows outbound FTP control connections.
                ftp = hit & IntervalSet.of(21)
                if ftp:
                    out.append((ftp, Outcome("accept", "ftp", "%s: %s" % (self.label, r.text))))
                    hit = hit - ftp
            if hit:
                out.append((hit, Outcome("accept", None, "%s: %s" % (self.label, r.text))))
            live = live - (live if want is None else want)
        if live:
            default = self.default_in if direction == "in" else self.default_out
            if default is None:
                if not self.fragment:
                    raise ParseError("%s: a complete script that leaves the default %s action "
                                     "as it was" % (self.label, direction))
                out.append((live, Outcome("return", rule="%s: the caller's rules and defaults"
                                          % self.label)))
            else:
                out.append((live, Outcome("drop" if default == "block" else "accept",
                                          rule="%s: default %s action %s" % (
                                              self.label, direction, default))))
        return out


# ---- netsh ------------------------------------------------------------------------

NETSH_KEYS = {"name", "dir", "action", "protocol", "localport", "remoteport", "remoteip",
              "profile", "enable", "description"}
NETSH_FIXED_MAIN = {"@echo off", "setlocal EnableExtensions DisableDelayedExpansion",
                    'if /i "%~1"=="remove" goto remove', 'if not "%~1"=="" goto usage',
                    "fltmc >nul 2>&1 || goto need_admin"}
NETSH_KV = re.compile(r'\s*([a-z]+)=("[^"]*"|[^\s"]+)')
# The settings snapshot: one PowerShell argument cmd cannot expand or end.
NETSH_SNAPSHOT = re.compile(r'powershell -NoProfile -NonInteractive -Command "[^"%!^]*" '
                            r"\|\| goto (failed|restore_failed)")
# The rule set's lifecycle: N is its name; its rules are added as N.staging,
# then N (the last run's rules) is deleted and N.staging renamed to N.
NETSH_SET_MAIN = {
    'netsh advfirewall firewall set rule name="N.staging" new name="N" >nul 2>&1',
    'netsh advfirewall firewall show rule name="N.staging" >nul 2>&1 && goto failed',
    'netsh advfirewall firewall delete rule name="N" >nul 2>&1',
    'netsh advfirewall firewall show rule name="N" >nul 2>&1 && goto failed',
    'netsh advfirewall firewall set rule name="N.staging" new name="N" >nul || goto failed',
}
NETSH_LABELS = {
    ":remove": {
        "fltmc >nul 2>&1 || goto need_admin",
        'netsh advfirewall firewall delete rule name="N" >nul 2>&1',
        'netsh advfirewall firewall delete rule name="N.staging" >nul 2>&1',
        'netsh advfirewall firewall show rule name="N" >nul 2>&1 && goto remove_failed',
        'netsh advfirewall firewall show rule name="N.staging" >nul 2>&1 && goto remove_failed',
        'reg delete "HKLM\\SOFTWARE\\libportspec\\firewall\\N\\netsh" /f >nul 2>&1 '
        "|| goto remove_failed",
        "echo N: rules removed; the settings of before the first run are back.",
        "exit /b 0"},
    ":failed": {"echo N: stopped; the rules of the last run or of this one are in force. "
                "Run it again to finish, or: %~nx0 remove 1>&2", "exit /b 1"},
    ":restore_failed": {"echo N: cannot restore the settings of before the first run; "
                        "nothing was removed. 1>&2", "exit /b 1"},
    ":remove_failed": {"echo N: the settings are back, but not every rule is gone; run: "
                       "%~nx0 remove 1>&2", "exit /b 1"},
    ":need_admin": {"echo N: run this from an elevated prompt (Run as administrator); "
                    "nothing was changed. 1>&2", "exit /b 1"},
    ":usage": {"exit /b 2", "echo usage: %~nx0 [remove] 1>&2"},
}


def strict(reader):
    """Malformed input of any kind is a ParseError."""
    def read(text, label, *args, **kw):
        try:
            return reader(text, label, *args, **kw)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError,
                UnicodeDecodeError) as e:
            raise ParseError("%s: cannot read the script (%s: %s)" % (label, type(e).__name__, e))
    read.__doc__ = reader.__doc__
    return read


@strict
def parse_netsh(raw, label, fragment):
    """The rules in force after the add path of the script (from the top to
    its first `exit /b 0`) ran, and the forms of the labels after it."""
    if isinstance(raw, str):
        raw = raw.encode()
    if re.search(rb"(?<!\r)\n", raw):
        raise ParseError("%s: a line does not end in CRLF" % label)
    ws = WindowsRuleset(label, fragment)
    text = raw.decode("ascii")
    m = re.search(r'^netsh advfirewall firewall set rule name="([A-Za-z0-9_-]+)\.staging" '
                  r'new name="\1" >nul 2>&1\r$', text, re.M)
    if not m:
        raise ParseError("%s: no rule set name (the staging rename)" % label)
    name = m.group(1)
    main_set = {x.replace('"N', '"' + name) for x in NETSH_SET_MAIN}
    labels = {k: {x.replace('"N', '"' + name).replace("echo N:", "echo %s:" % name)
                  .replace("\\N\\", "\\%s\\" % name) for x in v}
              for k, v in NETSH_LABELS.items()}
    main = True
    label_now = None
    seen = set()
    snapshots = []
    for n, line in enumerate(text.split("\r\n"), 1):
        where = "%s line %d" % (label, n)
        if not line or line.startswith("rem ") or line == "rem":
            continue
        m = NETSH_SNAPSHOT.fullmatch(line)
        if m:
            snapshots.append(m.group(1))
            continue
        if main:
            if line in NETSH_FIXED_MAIN:
                continue
            if line in main_set:
                seen.add(line)
                continue
            if line == "exit /b 0":
                main = False
                continue
            if line.startswith("netsh advfirewall firewall add rule "):
                r = _netsh_rule(ws, line, where)
                if r.name != name + ".staging":
                    raise ParseError("%s: a rule named %s, not %s.staging" % (where, r.name, name))
                ws.add(r, where)
            elif line == "netsh advfirewall set global statefulftp enable || goto failed":
                ws.stateful_ftp = True
            elif line == "netsh advfirewall set allprofiles state on || goto failed":
                ws.enabled = True
            elif line.startswith("netsh advfirewall set allprofiles firewallpolicy "):
                m = re.fullmatch(r"netsh advfirewall set allprofiles firewallpolicy "
                                 r"(block|allow)inbound,(block|allow)outbound \|\| goto failed",
                                 line)
                if not m:
                    raise ParseError("%s: %r" % (where, line))
                ws.default_in, ws.default_out = m.group(1), m.group(2)
            elif re.fullmatch(r"echo %s: [0-9]+ firewall rules in force\." % re.escape(name),
                              line):
                pass
            else:
                raise ParseError("%s: not a statement the backend writes: %r" % (where, line))
            continue
        if line.startswith(":"):
            label_now = line
            if label_now not in labels:
                raise ParseError("%s: label %s" % (where, line))
            continue
        if label_now is None or line not in labels[label_now]:
            raise ParseError("%s: not a statement the backend writes under %s: %r"
                             % (where, label_now, line))
    if main:
        raise ParseError("%s: the add path never ends (no exit /b 0)" % label)
    if not ws.rules:  # a rename of no rule fails: the script has none
        main_set.discard('netsh advfirewall firewall set rule name="%s.staging" new name="%s" '
                         '>nul || goto failed' % (name, name))
    if seen != main_set:
        raise ParseError("%s: the rule set's lifecycle is incomplete: %s" % (
            label, sorted(main_set - seen)))
    if snapshots != ["failed", "restore_failed"]:
        raise ParseError("%s: snapshot commands %s" % (label, snapshots))
    if not fragment and ws.enabled is not True:
        raise ParseError("%s: a complete script that does not turn the firewall on" % label)
    return ws


def _netsh_rule(ws, line, where):
    rest = line[len("netsh advfirewall firewall add rule"):]
    if not rest.endswith(" || goto failed"):
        raise ParseError("%s: an add without || goto failed" % where)
    rest = rest[:-len(" || goto failed")]
    kv = {}
    pos = 0
    while pos < len(rest):
        m = NETSH_KV.match(rest, pos)
        if not m:
            raise ParseError("%s: cannot read %r" % (where, rest[pos:]))
        key, value = m.group(1), m.group(2).strip('"')
        if key not in NETSH_KEYS or key in kv:
            raise ParseError("%s: key %s" % (where, key))
        kv[key] = value
        pos = m.end()
    for key, want in (("action", "allow"), ("profile", "any"), ("enable", "yes")):
        if kv.get(key) != want:
            raise ParseError("%s: %s=%s" % (where, key, kv.get(key)))
    r = WinRule(kv.get("name", ""))
    r.text = 'rule "%s"' % r.name
    r.direction = kv.get("dir")
    r.protocol = kv.get("protocol", "").lower()
    if "localport" in kv:
        r.local_ports = ws.ports(kv["localport"].split(","), where)
    if "remoteport" in kv:
        r.remote_ports = ws.ports(kv["remoteport"].split(","), where)
    if "remoteip" in kv:
        r.remote = ws.addresses(kv["remoteip"].split(","), where)
    return r


# ---- PowerShell ---------------------------------------------------------------------

PS_FIXED = {"#Requires -RunAsAdministrator", "#Requires -Modules NetSecurity",
            "[CmdletBinding()]", "param(", "[switch]$Remove,", "[string]$GPO = '',",
            "[switch]$OnlyTheseRules", ")", "Set-StrictMode -Version 3.0",
            "$ErrorActionPreference = 'Stop'",
            "$Settings = @('Enabled', 'DefaultInboundAction', 'DefaultOutboundAction', "
            "'AllowLocalFirewallRules', 'LogAllowed', 'LogBlocked', 'LogFileName', "
            "'LogMaxSizeKilobytes')",
            "if (-not (Test-Snapshot)) { Save-Snapshot }",
            "$Old = @(Get-NetFirewallRule -All @Store | Where-Object { $_.Group -eq $Group })",
            "if ($Old.Count) { Remove-NetFirewallRule -Name @($Old | ForEach-Object "
            "{ $_.Name }) @Store }",
            "if ($OnlyTheseRules) { Set-NetFirewallProfile -All -AllowLocalFirewallRules "
            "False @Store }",
            "if ($Session) { Save-NetGPO -GPOSession $Session }"}
# Blocks that change no rule of the add path: where the rules go (-GPO), the
# settings snapshot, and -Remove (which returns).  Their statements, by form.
PS_BLOCKS = {
    "if ($GPO) {": re.compile(
        r"\$Session = Open-NetGPO -PolicyStore \$GPO|\$Store = @\{ GPOSession = \$Session \}|"
        r"\$Key = 'HKLM:\\SOFTWARE\\libportspec\\firewall\\[A-Za-z0-9_-]+\\powershell-gpo\\' "
        r"\+ \$GPO|\} else \{|"
        r"if \(\$OnlyTheseRules\) \{ throw '[^']*' \}|\$Session = \$null|"
        r"\$Store = @\{ PolicyStore = 'PersistentStore' \}|"
        r"\$Key = 'HKLM:\\SOFTWARE\\libportspec\\firewall\\[A-Za-z0-9_-]+\\powershell'"),
    "function Test-Snapshot {": re.compile(r"\(\(Test-Path -LiteralPath \$Key\) -and .*"),
    "function Save-Snapshot {": re.compile(r"(?:New-Item|foreach|New-ItemProperty) .*"),
    "function Restore-Snapshot {": re.compile(r"(?:\$Snap =|foreach|\$v =|if) .*"),
    "if ($Remove) {": re.compile(
        r"if \(-not \(Test-Snapshot\)\) \{ throw \(.*\) \}|Restore-Snapshot|"
        r"\$Old = @\(Get-NetFirewallRule -All @Store \| Where-Object \{ \$_\.Group -eq "
        r"\$Group \}\)|if \(\$Old\.Count\) \{ Remove-NetFirewallRule -Name @\(\$Old \| "
        r"ForEach-Object \{ \$_\.Name \}\) @Store \}|"
        r"if \(\$Session\) \{ Save-NetGPO -GPOSession \$Session \}|"
        r"Remove-Item -LiteralPath \$Key|Write-Host '[^']*'|return"),
}
PS_TOKEN = re.compile(r"\s*(?:('(?:[^']|'')*')|(@\()|(\))|(,)|(\|)|(-[A-Za-z]+)|([A-Za-z0-9_.-]+))")
PS_PARAMS = {"-DisplayName", "-Group", "-Direction", "-Action", "-Protocol", "-LocalPort",
             "-RemotePort", "-RemoteAddress", "-Profile", "-Description", "-InterfaceAlias"}


def _ps_tokens(line, where):
    out = []
    pos = 0
    while pos < len(line):
        m = PS_TOKEN.match(line, pos)
        if not m or m.end() == pos:
            raise ParseError("%s: cannot read %r" % (where, line[pos:]))
        kinds = ("str", "array", "close", "comma", "pipe", "param", "word")
        for kind, g in zip(kinds, m.groups()):
            if g is not None:
                out.append((kind, g[1:-1].replace("''", "'") if kind == "str" else g))
                break
        pos = m.end()
    return out


@strict
def parse_powershell(text, label, fragment, group="portspec"):
    """The rules in force after the script ran without -Remove, in the local
    store (with -GPO, the same rules go to the GPO)."""
    ws = WindowsRuleset(label, fragment)
    block = None
    for n, line in enumerate(text.split("\n"), 1):
        where = "%s line %d" % (label, n)
        s = line.strip()
        if "`" in s:
            raise ParseError("%s: a backtick" % where)
        if not s or (s.startswith("#") and not s.startswith("#Requires")):
            continue
        if block is not None:
            if s == "}":
                block = None
            elif not PS_BLOCKS[block].fullmatch(s):
                raise ParseError("%s: not a statement of the %r block: %r" % (where, block, s))
            continue
        if s in PS_FIXED:
            continue
        if s in PS_BLOCKS:
            block = s
        elif s == "$Group = '%s'" % group:
            pass
        elif s.startswith("New-NetFirewallRule "):
            ws.add(_ps_rule(ws, s, where, group), where)
        elif s == "Set-NetFirewallSetting -EnableStatefulFtp True @Store":
            ws.stateful_ftp = True
        elif s.startswith("Set-NetFirewallProfile "):
            m = re.fullmatch(r"Set-NetFirewallProfile -All -Enabled True -DefaultInboundAction "
                             r"(Block|Allow) -DefaultOutboundAction (Block|Allow) @Store", s)
            if not m:
                raise ParseError("%s: %r" % (where, s))
            ws.enabled = True
            ws.default_in, ws.default_out = m.group(1).lower(), m.group(2).lower()
        elif re.fullmatch(r"Write-Host '[^']*'", s):
            pass
        else:
            raise ParseError("%s: not a statement the backend writes: %r" % (where, s))
    if block is not None:
        raise ParseError("%s: unclosed %s block" % (label, block))
    return ws


def _ps_rule(ws, line, where, group):
    if not line.endswith(" @Store | Out-Null"):
        raise ParseError("%s: a rule that does not go to @Store: %r" % (where, line))
    toks = _ps_tokens(line[:-len(" @Store | Out-Null")] + " | Out-Null", where)
    if toks[0] != ("word", "New-NetFirewallRule") or toks[-2:] != [("pipe", "|"),
                                                                    ("word", "Out-Null")]:
        raise ParseError("%s: %r" % (where, line))
    toks = toks[1:-2]
    params = {}
    i = 0
    while i < len(toks):
        kind, name = toks[i]
        if kind != "param" or name not in PS_PARAMS or name in params:
            raise ParseError("%s: parameter %s" % (where, name))
        i += 1
        if i < len(toks) and toks[i][0] == "array":
            items = []
            i += 1
            while i < len(toks) and toks[i][0] != "close":
                if toks[i][0] == "str":
                    items.append(toks[i][1])
                elif toks[i][0] != "comma":
                    raise ParseError("%s: array item %r" % (where, toks[i][1]))
                i += 1
            if i >= len(toks):
                raise ParseError("%s: unclosed array" % where)
            params[name] = items
            i += 1
        elif i < len(toks) and toks[i][0] in ("str", "word"):
            params[name] = [toks[i][1]]
            i += 1
        else:
            raise ParseError("%s: %s without a value" % (where, name))
    for key, want in (("-Action", ["Allow"]), ("-Profile", ["Any"]), ("-Group", [group])):
        if params.get(key) != want:
            raise ParseError("%s: %s %s" % (where, key, params.get(key)))
    r = WinRule(params.get("-DisplayName", [""])[0])
    r.text = "rule '%s'" % r.name
    r.direction = {"Inbound": "in", "Outbound": "out"}.get(params.get("-Direction", [""])[0])
    r.protocol = {"TCP": "tcp", "UDP": "udp"}.get(params.get("-Protocol", [""])[0])
    if "-LocalPort" in params:
        r.local_ports = ws.ports(params["-LocalPort"], where)
    if "-RemotePort" in params:
        r.remote_ports = ws.ports(params["-RemotePort"], where)
    if "-RemoteAddress" in params:
        r.remote = ws.addresses(params["-RemoteAddress"], where)
    if "-InterfaceAlias" in params:
        r.aliases = set(params["-InterfaceAlias"])
    return r
