# SPDX-License-Identifier: MIT
"""A model of Windows Defender Firewall and of the two script languages the
Windows backends write, for tests that run the generated scripts without
Windows.

The model is what Microsoft documents for the commands the scripts use:

* netsh advfirewall: `add rule` adds a rule; `delete rule name=X` and
  `set rule name=X new name=Y` act on every rule called X (names are
  compared without case) and exit 1 when none matches; `show rule name=X`
  exits 0 when some rule is called X, 1 otherwise; `set allprofiles state`,
  `set allprofiles firewallpolicy`, `set global statefulftp` change settings.
  Changes need an elevated prompt.
* NetSecurity: New-NetFirewallRule gives each rule a unique Name; the -Group
  and -DisplayName need not be unique; Get/Remove/Set act on the store they
  are given (-PolicyStore, or -GPOSession of Open-NetGPO, whose changes
  reach the GPO at Save-NetGPO, all at once); without one, they act on the
  local store.
* a packet is allowed when its profile is off, or no block rule and some
  allow rule matches it, or the profile's default action for its direction
  is Allow (NotConfigured: inbound Block, outbound Allow).

The interpreters execute a script line by line and refuse any line they do
not know, so a script cannot contain something the tests did not model.
Each command that changes something is a step: a run can be cut after any
step, a step can fail cleanly (exit code 1, nothing changed), and a step
that acts on several rules can fail after some of them.
"""

import copy
import ipaddress
import re

PROFILES = ("Domain", "Private", "Public")


class ScriptError(Exception):
    """The script has a line the model does not know: a test failure."""


class Cut(Exception):
    """The run stops here (failure injection)."""


# ---- the firewall ---------------------------------------------------------------


def parse_ports(items):
    out = []
    for item in items:
        lo, _, hi = item.partition("-")
        out.append((int(lo), int(hi or lo)))
    return tuple(sorted(out))


def parse_addresses(items):
    out = []
    for item in items:
        if "-" in item:
            lo, hi = (ipaddress.ip_address(x) for x in item.split("-"))
        else:
            net = ipaddress.ip_network(item, strict=True)
            lo, hi = net[0], net[-1]
        out.append((lo.version, int(lo), int(hi)))
    return tuple(sorted(out))


class Rule:
    """One firewall rule.  `spec` is what it matches and does."""

    def __init__(self, rid, display, group, direction, proto, ports, remote, iface=None,
                 action="allow", description=""):
        self.id = rid
        self.display = display
        self.group = group
        self.spec = (direction, proto, ports, remote, iface, action)
        self.description = description

    def __repr__(self):
        return f"Rule({self.display!r}, group={self.group!r}, {self.spec[:2]})"


def gpo_settings():
    """A new GPO: nothing configured."""
    return {p: {s: "NotConfigured" for s in default_settings()[p]} for p in PROFILES}


def default_settings():
    """A fresh Windows installation's local store, as Get-NetFirewallProfile prints it."""
    return {p: {"Enabled": "True", "DefaultInboundAction": "NotConfigured",
                "DefaultOutboundAction": "NotConfigured", "AllowLocalFirewallRules": "NotConfigured",
                "LogAllowed": "False", "LogBlocked": "False",
                "LogFileName": r"%systemroot%\system32\LogFiles\Firewall\pfirewall.log",
                "LogMaxSizeKilobytes": "4096"} for p in PROFILES}


class Store:
    def __init__(self, settings=None, ftp="NotConfigured"):
        self.rules = []
        self.profiles = settings if settings is not None else default_settings()
        self.ftp = ftp

    def settings(self):
        return (tuple((p, tuple(sorted(self.profiles[p].items()))) for p in PROFILES), self.ftp)

    def named(self, name):
        return [r for r in self.rules if r.display.lower() == name.lower()]


class Machine:
    """The Windows host: its local firewall store, GPOs it can edit, the registry."""

    def __init__(self, settings=None, ftp="NotConfigured", elevated=True):
        self.local = Store(settings, ftp)
        self.gpos = {}
        self.registry = {}  # lowercased key path -> {value name: str}
        self.elevated = elevated
        self.next_id = 1

    def new_id(self):
        self.next_id += 1
        return "{%08d-portspec-model}" % self.next_id

    def clone(self):
        return copy.deepcopy(self)

    def fingerprint(self):
        """Everything but rule IDs: two machines that filter and remember alike."""
        def store(s):
            return (tuple(sorted((r.display.lower(), r.group.lower(), r.spec) for r in s.rules)),
                    s.settings())
        return (store(self.local), tuple(sorted((k, store(v)) for k, v in self.gpos.items())),
                tuple(sorted((k, tuple(sorted(v.items()))) for k, v in self.registry.items())))


def effective(profile_settings):
    enabled = profile_settings["Enabled"] != "False"
    inbound = profile_settings["DefaultInboundAction"]
    outbound = profile_settings["DefaultOutboundAction"]
    return (enabled, inbound == "Allow", outbound != "Block")


# ---- packets: a grid of cells over everything the rules tell apart ----------


class Grid:
    """Cells of (direction, protocol, family, port interval, address interval,
    interface) that no rule of @rules splits; a rule matches a set of whole
    cells, kept as the bits of an int."""

    def __init__(self, rules):
        self.ifaces = sorted({r.spec[4] for r in rules if r.spec[4]}) + [None]
        keys = {}
        for d in ("in", "out"):
            for proto in ("tcp", "udp"):
                for fam in (4, 6):
                    keys[(d, proto, fam)] = ({1, 65536}, {0, 2 ** (32 if fam == 4 else 128)})
        for r in rules:
            d, proto, ports, remote, _, _ = r.spec
            for fam in (4, 6):
                pe, ae = keys[(d, proto, fam)]
                for lo, hi in ports:
                    pe.update((lo, hi + 1))
                for v, lo, hi in remote:
                    if v == fam:
                        ae.update((lo, hi + 1))
        self.keys = {}
        base = 0
        for key, (pe, ae) in keys.items():
            pe, ae = sorted(pe), sorted(ae)
            size = (len(pe) - 1) * (len(ae) - 1) * len(self.ifaces)
            self.keys[key] = (base, pe, ae)
            base += size
        self.size = base
        self.dir_mask = {"in": 0, "out": 0}
        for (d, _, _), (b, pe, ae) in self.keys.items():
            n = (len(pe) - 1) * (len(ae) - 1) * len(self.ifaces)
            self.dir_mask[d] |= ((1 << n) - 1) << b
        self.cache = {}

    def bits(self, spec):
        got = self.cache.get(spec)
        if got is not None:
            return got
        d, proto, ports, remote, iface, _ = spec
        out = 0
        for fam in (4, 6):
            b, pe, ae = self.keys[(d, proto, fam)]
            na, ni = len(ae) - 1, len(self.ifaces)
            pidx = [i for i in range(len(pe) - 1)
                    if any(lo <= pe[i] <= hi for lo, hi in ports)]
            aidx = [i for i in range(na)
                    if any(v == fam and lo <= ae[i] <= hi for v, lo, hi in remote)]
            iidx = [i for i, name in enumerate(self.ifaces) if iface is None or name == iface]
            for pi in pidx:
                for ai in aidx:
                    for ii in iidx:
                        out |= 1 << (b + (pi * na + ai) * ni + ii)
        self.cache[spec] = out
        return out

    def allowed(self, store):
        """Per profile, the cells the store lets through."""
        allow = block = 0
        for r in store.rules:
            bits = self.bits(r.spec)
            if r.spec[5] == "block":
                block |= bits
            else:
                allow |= bits
        everything = (1 << self.size) - 1
        out = []
        for p in PROFILES:
            enabled, inbound, outbound = effective(store.profiles[p])
            if not enabled:
                out.append(everything)
                continue
            bits = allow & ~block
            if inbound:
                bits |= self.dir_mask["in"] & ~block
            if outbound:
                bits |= self.dir_mask["out"] & ~block
            out.append(bits)
        return tuple(out)


# ---- running scripts ------------------------------------------------------------


class Run:
    """One run of a script: the machine it changes, the failure to inject,
    and what it observed (states after every step, output, exit code)."""

    def __init__(self, machine, cut_after=None, fail_at=None, partial=None, observe=None):
        self.m = machine
        self.cut_after = cut_after  # stop after this many steps
        self.fail_at = fail_at      # this step fails cleanly (exit code 1)
        self.partial = partial      # (step, n): this step does n of its objects, then fails
        self.observe = observe      # called with the machine after every step
        self.steps = 0
        self.output = []
        self.rc = None
        self.multi = []             # steps that act on several objects, with their count

    def step(self, objects=None):
        """Starts a step; returns how many of @objects to do, or raises Cut."""
        if self.cut_after is not None and self.steps >= self.cut_after:
            raise Cut()
        self.steps += 1
        if objects is not None and objects > 1:
            self.multi.append((self.steps, objects))
        if self.fail_at == self.steps:
            return "fail"
        if self.partial and self.partial[0] == self.steps:
            return self.partial[1]
        return None

    def done(self):
        if self.observe:
            self.observe(self.m)


def _each(run, rules, act):
    """netsh acting on every rule of a name: exit code 1 when none matches,
    when the step fails, or when it fails part way (partial failures)."""
    outcome = run.step(len(rules))
    if outcome == "fail" or not run.m.elevated or not rules:
        return 1
    for i, r in enumerate(list(rules)):
        if isinstance(outcome, int) and i == outcome:
            return 1
        act(r)
    return 0


# -- the settings snapshot (the same PowerShell statements in both backends) --

def snapshot_save(run, store, key, settings):
    """Test-Snapshot, and Save-Snapshot when it is false: partial writes can fail."""
    reg = run.m.registry
    k = key.lower()
    if k in reg and "Complete" in reg[k]:
        return
    writes = [(p + "." + s, store.profiles[p][s]) for p in PROFILES for s in settings]
    writes.append(("Global.EnableStatefulFtp", store.ftp))
    writes.append(("Complete", "yes"))
    outcome = run.step(len(writes) + 1)
    if outcome == "fail":
        raise PSFail("New-Item failed")
    reg[k] = {}
    for i, (name, value) in enumerate(writes):
        if isinstance(outcome, int) and i + 1 == outcome:
            raise PSFail("New-ItemProperty failed")
        reg[k][name] = value


def snapshot_restore(run, store, key, settings):
    reg = run.m.registry.get(key.lower())
    if reg is None or "Complete" not in reg:
        raise PSFail("no snapshot of the firewall settings at " + key)
    sets = [(p, s, reg[p + "." + s]) for p in PROFILES for s in settings
            if store.profiles[p][s] != reg[p + "." + s]]
    ftp = reg["Global.EnableStatefulFtp"]
    if store.ftp != ftp:
        sets.append((None, "EnableStatefulFtp", ftp))
    outcome = run.step(len(sets) + 1)  # Get-ItemProperty, then one Set per difference
    if outcome == "fail":
        raise PSFail("Get-ItemProperty failed")
    for i, (p, s, v) in enumerate(sets):
        if isinstance(outcome, int) and i + 1 == outcome:
            raise PSFail("Set-NetFirewallProfile failed")
        if p is None:
            store.ftp = v
        else:
            store.profiles[p][s] = v


class PSFail(Exception):
    """A terminating PowerShell error ($ErrorActionPreference = 'Stop')."""


# -- cmd.exe and netsh --------------------------------------------------------------

NETSH_ADD = re.compile(
    r'netsh advfirewall firewall add rule name="(?P<name>[^"]+)" dir=(?P<dir>in|out) '
    r"action=(?P<action>allow|block) protocol=(?P<proto>TCP|UDP) "
    r"(?:localport|remoteport)=(?P<ports>\S+) remoteip=(?P<ip>\S+) profile=any enable=yes "
    r'description="(?P<desc>[^"]*)"$')
SUFFIX = re.compile(r"^(?P<cmd>.*?)(?: >nul)?(?: 2>&1)?(?: (?P<op>\|\||&&) goto (?P<label>\w+))?$")


def run_cmd(text, machine, arg="", **kw):
    """Runs a netsh .cmd script with argument @arg; returns the Run."""
    run = Run(machine, **kw)
    lines = text.split("\r\n")
    labels = {l[1:].lower(): i for i, l in enumerate(lines) if l.startswith(":")}
    pc = 0
    try:
        while pc < len(lines):
            line = lines[pc]
            pc += 1
            if line in ("", "@echo off") or line.startswith("rem ") or line.startswith(":"):
                continue
            if line.startswith("setlocal "):
                continue
            if line == 'if /i "%~1"=="remove" goto remove':
                if arg.lower() == "remove":
                    pc = labels["remove"]
                continue
            if line == 'if not "%~1"=="" goto usage':
                if arg != "":
                    pc = labels["usage"]
                continue
            m = re.fullmatch(r"exit /b (\d+)", line)
            if m:
                run.rc = int(m.group(1))
                return run
            if line.startswith("echo "):
                run.output.append(line[5:])
                continue
            m = SUFFIX.match(line)
            rc = cmd_command(run, m.group("cmd"))
            run.done()
            if m.group("op") == "||" and rc != 0 or m.group("op") == "&&" and rc == 0:
                pc = labels[m.group("label").lower()]
        raise ScriptError("the script runs past its end")
    except Cut:
        run.rc = None
        return run


def cmd_command(run, cmd):
    m = run.m
    store = m.local
    if cmd == "fltmc":
        return 0 if m.elevated else 1
    if cmd.startswith("powershell "):
        return cmd_powershell(run, cmd)
    k = re.fullmatch(r'reg delete "(HKLM\\[^"]+)" /f', cmd)
    if k:
        if run.step() == "fail" or not m.elevated:
            return 1
        key = k.group(1).replace("HKLM\\", "HKLM:\\", 1).lower()
        return 0 if m.registry.pop(key, None) is not None else 1
    g = NETSH_ADD.fullmatch(cmd)
    if g:
        if run.step() == "fail" or not m.elevated:
            return 1
        store.rules.append(Rule(m.new_id(), g.group("name"), "", g.group("dir"),
                                g.group("proto").lower(), parse_ports(g.group("ports").split(",")),
                                parse_addresses(g.group("ip").split(",")),
                                action=g.group("action"), description=g.group("desc")))
        return 0
    g = re.fullmatch(r'netsh advfirewall firewall show rule name="([^"]+)"', cmd)
    if g:
        return 0 if store.named(g.group(1)) else 1
    g = re.fullmatch(r'netsh advfirewall firewall delete rule name="([^"]+)"', cmd)
    if g:
        return _each(run, store.named(g.group(1)), store.rules.remove)
    g = re.fullmatch(r'netsh advfirewall firewall set rule name="([^"]+)" new name="([^"]+)"', cmd)
    if g:
        return _each(run, store.named(g.group(1)),
                     lambda r: setattr(r, "display", g.group(2)))
    settings = {
        "netsh advfirewall set allprofiles state on": {"Enabled": "True"},
        "netsh advfirewall set allprofiles firewallpolicy blockinbound,blockoutbound":
            {"DefaultInboundAction": "Block", "DefaultOutboundAction": "Block"},
    }
    if cmd in settings:
        if run.step() == "fail" or not m.elevated:
            return 1
        for p in PROFILES:
            store.profiles[p].update(settings[cmd])
        return 0
    if cmd == "netsh advfirewall set global statefulftp enable":
        if run.step() == "fail" or not m.elevated:
            return 1
        store.ftp = "True"
        return 0
    raise ScriptError(f"the model does not know the command: {cmd[:160]}")


PS_ONE_LINER = re.compile(
    r"powershell -NoProfile -NonInteractive -Command \"\$ErrorActionPreference = 'Stop'; "
    r"\$Store = @\{ PolicyStore = 'PersistentStore' \}; \$Key = '(?P<key>[^']+)'; "
    r"\$Settings = @\((?P<settings>[^)]*)\); (?P<rest>.*)\"")


def cmd_powershell(run, cmd):
    """The netsh script's two PowerShell commands: take or restore the snapshot."""
    g = PS_ONE_LINER.fullmatch(cmd)
    if not g:
        raise ScriptError(f"unknown PowerShell command: {cmd[:160]}")
    settings = re.findall(r"'([A-Za-z]+)'", g.group("settings"))
    rest = g.group("rest")
    try:
        if not run.m.elevated:
            raise PSFail("access to the registry key is denied")
        if rest.startswith("if (-not ((Test-Path -LiteralPath $Key)") and "New-Item -Path $Key" in rest:
            snapshot_save(run, run.m.local, g.group("key"), settings)
        elif "throw ('no snapshot" in rest and "Set-NetFirewallProfile @a @Store" in rest:
            snapshot_restore(run, run.m.local, g.group("key"), settings)
        else:
            raise ScriptError(f"unknown PowerShell command: {rest[:160]}")
    except PSFail as e:
        run.output.append(str(e))
        return 1
    return 0


# -- PowerShell ---------------------------------------------------------------------

PS_RULE = re.compile(
    r"New-NetFirewallRule -DisplayName '(?P<display>[^']+)' -Group '(?P<group>[^']+)' "
    r"-Direction (?P<dir>Inbound|Outbound) -Action (?P<action>Allow|Block) -Protocol (?P<proto>TCP|UDP) "
    r"-(?:LocalPort|RemotePort) @\((?P<ports>[^)]*)\) -RemoteAddress @\((?P<ip>[^)]*)\)"
    r"(?: -InterfaceAlias '(?P<iface>[^']+)')? -Profile Any -Description '(?:[^']|'')*'"
    r"(?P<store> @Store)? \| Out-Null")


class PSRun:
    """The state of one PowerShell run: variables and the store in use."""

    def __init__(self, run, params):
        self.run = run
        self.params = params  # {"Remove": bool, "GPO": str, "OnlyTheseRules": bool}
        self.vars = {}
        self.functions = {}

    def store(self, line):
        """The store a cmdlet acts on: @Store, or the local store without it."""
        if " @Store" in line:
            return self.vars["Store"]
        return self.run.m.local


def run_ps(text, machine, params=None, **kw):
    """Runs a PowerShell script of the backend with @params; returns the Run."""
    run = Run(machine, **kw)
    ps = PSRun(run, dict({"Remove": False, "GPO": "", "OnlyTheseRules": False}, **(params or {})))
    lines = text.split("\n")
    if "#Requires -RunAsAdministrator" in lines and not machine.elevated:
        run.output.append("The script cannot be run because it contains a #requires statement "
                          "for running as Administrator.")
        run.rc = 1
        return run
    try:
        ps_block(ps, lines, 0, len(lines))
        run.rc = 0
    except Cut:
        run.rc = None
    except PSFail as e:
        run.output.append(str(e))
        run.rc = 1
    except _Return:
        run.rc = 0
    return run


class _Return(Exception):
    pass


def _block_end(lines, start):
    """The index of the line that closes the block opened on line @start - 1."""
    depth = 1
    for i in range(start, len(lines)):
        stripped = lines[i].strip()
        if stripped.startswith("#"):
            continue
        if stripped in ("}", "} else {"):
            depth -= 1
            if depth == 0:
                return i
            if stripped == "} else {":
                depth += 1
        elif stripped.endswith("{") and not stripped.startswith("#"):
            depth += 1
    raise ScriptError(f"block opened at line {start} is not closed")


def ps_block(ps, lines, start, end):
    i = start
    while i < end:
        line = lines[i].strip()
        i += 1
        if line == "" or line.startswith("#") or line in ("[CmdletBinding()]",):
            continue
        if line == "param(":
            while lines[i].strip() != ")":
                if lines[i].strip() not in ("[switch]$Remove,", "[string]$GPO = '',",
                                            "[switch]$OnlyTheseRules"):
                    raise ScriptError(f"unknown parameter: {lines[i]}")
                i += 1
            i += 1
            continue
        if line.startswith("function ") and line.endswith(" {"):
            close = _block_end(lines, i)
            ps.functions[line[9:-2]] = [l.strip() for l in lines[i:close]]
            i = close + 1
            continue
        m = re.fullmatch(r"if \((?P<cond>.+)\) \{", line)
        if m:
            close = _block_end(lines, i)
            has_else = lines[close].strip() == "} else {"
            other_end = _block_end(lines, close + 1) if has_else else close
            if ps_condition(ps, m.group("cond")):
                ps_block(ps, lines, i, close)
            elif has_else:
                ps_block(ps, lines, close + 1, other_end)
            i = other_end + 1
            continue
        ps_statement(ps, line)


def ps_condition(ps, cond):
    if cond in ("$GPO", "$Remove", "$OnlyTheseRules"):
        return bool(ps.params[cond[1:]])
    if cond == "$Session":
        return ps.vars.get("Session") is not None
    if cond == "$Old.Count":
        return len(ps.vars["Old"]) > 0
    if cond == "-not (Test-Snapshot)":
        return not ps_call(ps, "Test-Snapshot")
    raise ScriptError(f"unknown condition: {cond}")


def ps_call(ps, name):
    """The snapshot functions: their bodies must be the statements both backends share."""
    body = ps.functions.get(name)
    if body is None:
        raise ScriptError(f"call of undefined function {name}")
    key, settings = ps.vars["Key"], ps.vars["Settings"]
    if name == "Test-Snapshot":
        reg = ps.run.m.registry.get(key.lower())
        return reg is not None and "Complete" in reg
    if not ps.run.m.elevated:
        raise PSFail("access to the registry key is denied")
    if name == "Save-Snapshot":
        snapshot_save(ps.run, ps.vars["Store"], key, settings)
        return None
    if name == "Restore-Snapshot":
        snapshot_restore(ps.run, ps.vars["Store"], key, settings)
        return None
    raise ScriptError(f"unknown function {name}")


def ps_statement(ps, line):
    run, m = ps.run, ps.run.m
    g = re.fullmatch(r"\$Group = '([^']+)'", line)
    if g:
        ps.vars["Group"] = g.group(1)
        return
    g = re.fullmatch(r"\$Settings = @\(([^)]*)\)", line)
    if g:
        ps.vars["Settings"] = re.findall(r"'([A-Za-z]+)'", g.group(1))
        return
    if line in ("Set-StrictMode -Version 3.0", "$ErrorActionPreference = 'Stop'"):
        return
    if line == "$Session = Open-NetGPO -PolicyStore $GPO":
        if run.step() == "fail":
            raise PSFail("Open-NetGPO failed")
        gpo = ps.params["GPO"]
        if gpo not in m.gpos:
            raise PSFail(f"Open-NetGPO: the GPO {gpo} does not exist")
        ps.vars["Session"] = (gpo, copy.deepcopy(m.gpos[gpo]))
        return
    if line == "$Store = @{ GPOSession = $Session }":
        ps.vars["Store"] = ps.vars["Session"][1]
        return
    if line in ("$Session = $null",):
        ps.vars["Session"] = None
        return
    if line == "$Store = @{ PolicyStore = 'PersistentStore' }":
        ps.vars["Store"] = m.local
        return
    g = re.fullmatch(r"\$Key = '([^']+)' \+ \$GPO", line)
    if g:
        ps.vars["Key"] = g.group(1) + ps.params["GPO"]
        return
    g = re.fullmatch(r"\$Key = '([^']+)'", line)
    if g:
        ps.vars["Key"] = g.group(1)
        return
    g = re.fullmatch(r"if \((?P<cond>[^{]+)\) \{ (?P<body>.+) \}", line)
    if g:
        if ps_condition(ps, g.group("cond")):
            ps_statement(ps, g.group("body"))
        return
    g = re.fullmatch(r"throw (?:'[^']*'|\(.*\))", line)
    if g:
        raise PSFail(line)
    if line in ("Save-Snapshot", "Restore-Snapshot"):
        ps_call(ps, line)
        run.done()
        return
    if line.startswith("$Old = @(Get-NetFirewallRule -All") and \
            line.endswith("| Where-Object { $_.Group -eq $Group })"):
        if run.step() == "fail":
            raise PSFail("Get-NetFirewallRule failed")
        group = ps.vars["Group"].lower()
        ps.vars["Old"] = [r.id for r in ps.store(line).rules if r.group.lower() == group]
        return
    if line.startswith("Remove-NetFirewallRule -Name @($Old | ForEach-Object { $_.Name })"):
        store = ps.store(line)
        ids = ps.vars["Old"]
        outcome = run.step(len(ids))
        if outcome == "fail":
            raise PSFail("Remove-NetFirewallRule failed")
        for i, rid in enumerate(ids):
            if isinstance(outcome, int) and i == outcome:
                raise PSFail("Remove-NetFirewallRule failed")
            found = [r for r in store.rules if r.id == rid]
            if not found:
                raise PSFail(f"No MSFT_NetFirewallRule objects found with property 'Name' equal to '{rid}'")
            store.rules.remove(found[0])
        run.done()
        return
    g = PS_RULE.fullmatch(line)
    if g:
        if run.step() == "fail":
            raise PSFail("New-NetFirewallRule failed")
        items = lambda s: re.findall(r"'([^']+)'", s)
        ps.store(line).rules.append(Rule(
            m.new_id(), g.group("display"), g.group("group"),
            "in" if g.group("dir") == "Inbound" else "out", g.group("proto").lower(),
            parse_ports(items(g.group("ports"))), parse_addresses(items(g.group("ip"))),
            g.group("iface"), g.group("action").lower()))
        run.done()
        return
    profile_sets = {
        "Set-NetFirewallProfile -All -Enabled True -DefaultInboundAction Block -DefaultOutboundAction Block":
            {"Enabled": "True", "DefaultInboundAction": "Block", "DefaultOutboundAction": "Block"},
        "Set-NetFirewallProfile -All -AllowLocalFirewallRules False": {"AllowLocalFirewallRules": "False"},
    }
    base = line.replace(" @Store", "")
    if base in profile_sets:
        if run.step() == "fail":
            raise PSFail("Set-NetFirewallProfile failed")
        for p in PROFILES:
            ps.store(line).profiles[p].update(profile_sets[base])
        run.done()
        return
    if base == "Set-NetFirewallSetting -EnableStatefulFtp True":
        if run.step() == "fail":
            raise PSFail("Set-NetFirewallSetting failed")
        ps.store(line).ftp = "True"
        run.done()
        return
    if line == "Save-NetGPO -GPOSession $Session":
        if run.step() == "fail":
            raise PSFail("Save-NetGPO failed")
        gpo, session = ps.vars["Session"]
        m.gpos[gpo] = copy.deepcopy(session)
        run.done()
        return
    if line == "Remove-Item -LiteralPath $Key":
        if run.step() == "fail":
            raise PSFail("Remove-Item failed")
        if m.registry.pop(ps.vars["Key"].lower(), None) is None:
            raise PSFail("Cannot find path " + ps.vars["Key"])
        run.done()
        return
    g = re.fullmatch(r"Write-Host '(.*)'", line)
    if g:
        run.output.append(g.group(1))
        return
    if line == "return":
        raise _Return()
    raise ScriptError(f"the model does not know the statement: {line[:160]}")
