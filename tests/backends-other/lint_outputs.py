# SPDX-License-Identifier: MIT
"""Checks every golden pf, netsh and PowerShell file line by line.

Each line must be one of the statement forms the backends are allowed to
emit, written with the keywords of pf.conf(5), the netsh advfirewall
reference and the NetSecurity cmdlet reference; anything else fails.  On
top of the syntax:

* pf: every table and macro is defined before use, inet rules carry only
  IPv4 addresses and inet6 rules only IPv6 ones, `flags` only on tcp, and no
  list of negations ("{ !") ever appears;
* netsh: CRLF line ends, `dir=in` goes with `localport` and `dir=out` with
  `remoteport`, every rule is added as NAME.staging, the script deletes
  NAME and renames NAME.staging to NAME, and its snapshot commands are one
  cmd.exe argument with nothing cmd would expand;
* PowerShell: only documented New-NetFirewallRule parameters and values,
  one group for every rule, the script's own $Group, and every NetSecurity
  call sent to @Store (so that -GPO reaches all of them);
* Windows: every address parses, every range is ordered, and the addresses
  of each rule "to/from outside" together with the inside networks tile
  the IPv4 and the IPv6 address space exactly (no gap, no overlap).

Usage: lint_outputs.py GOLDEN_DIR
"""

import ipaddress
import os
import re
import sys

PORT = r"(?:[1-9][0-9]{0,4})"
ERRORS = []


def fail(path, lineno, msg, line=""):
    ERRORS.append(f"{os.path.basename(path)}:{lineno}: {msg}" + (f"\n    {line}" if line else ""))


def check_port(path, n, text, sep):
    parts = text.split(sep)
    if len(parts) > 2 or not all(re.fullmatch(PORT, p) and int(p) <= 65535 for p in parts):
        fail(path, n, f"bad port {text!r}")
    elif len(parts) == 2 and int(parts[0]) >= int(parts[1]):
        fail(path, n, f"empty or reversed port range {text!r}")


# ---- pf --------------------------------------------------------------------

PF_NAME = r"[a-z0-9][a-z0-9_-]{0,30}"
PF_FIXED = {
    "set skip on lo",
    "block log all",
    "pass in quick inet6 proto icmp6 from any to { (self), ff02::/16 } icmp6-type "
    "{ neighbrsol, neighbradv, routersol, routeradv } no state",
    "pass out quick inet6 proto icmp6 from { (self), :: } to any icmp6-type "
    "{ neighbrsol, neighbradv, routersol, routeradv } no state",
    'anchor "ftp-proxy/*"',
    "pass in quick to (self) keep state",
    "pass out quick from (self) keep state",
    "pass in quick inet to 224.0.0.0/24 allow-opts no state",
    "pass in quick inet6 to ff02::/16 allow-opts no state",
    "pass out quick inet from (self) to 224.0.0.0/24 allow-opts no state",
    "pass out quick inet6 from { (self), :: } to ff02::/16 allow-opts no state",
}
PF_RULE = re.compile(
    r"pass (?P<dir>in|out) quick(?: on (?P<ifname>[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}))? "
    r"(?P<af>inet6?) "
    r"proto (?P<proto>tcp|udp) from (?P<src>.+?) to (?P<dst>.+?) "
    r"port (?P<port>[0-9:]+|\{ [0-9:]+(?:, [0-9:]+)* \})"
    r"(?P<tail> flags S/SA keep state| keep state| divert-to (?:127\.0\.0\.1|::1) port 8021)$")


def pf_addresses(text):
    """The addresses of a pf host expression, or None for tables and (self)."""
    if text in ("(self)", "! (self)", "any") or re.fullmatch(r"!? ?<" + PF_NAME + ">", text):
        return []
    m = re.fullmatch(r"\{ (.+) \}", text)
    items = m.group(1).split(", ") if m else [text]
    return [ipaddress.ip_network(i, strict=True) for i in items]


def lint_pf(path, text):
    tables, macros = set(), set()
    if "{ !" in text:
        fail(path, 0, "a list of negations matches everything")
    for n, line in enumerate(text.split("\n"), 1):
        if line == "" or line.startswith("#"):
            if "\\" in line:
                fail(path, n, "backslash in a comment continues it onto the next line", line)
            continue
        if line in PF_FIXED:
            continue
        m = re.fullmatch(r"([a-z][a-z0-9_]*) = \"([A-Za-z0-9_.-]{1,15})\"", line)
        if m:
            macros.add(m.group(1))
            continue
        m = re.fullmatch(r"table <(" + PF_NAME + r")> (?:const \{ (.+) \}|persist)", line)
        if m:
            tables.add(m.group(1))
            for a in (m.group(2) or "").split():
                if a in ("self", "!self"):
                    continue
                try:
                    ipaddress.ip_network(a, strict=True)
                except ValueError:
                    fail(path, n, f"bad table address {a!r}", line)
            continue
        m = PF_RULE.fullmatch(line)
        if not m:
            fail(path, n, "not a pf.conf statement the backend may emit", line)
            continue
        for side in ("src", "dst"):
            for t in re.findall(r"<(" + PF_NAME + r")>", m.group(side)):
                if t not in tables:
                    fail(path, n, f"table <{t}> used before it is defined", line)
            try:
                addrs = pf_addresses(m.group(side))
            except ValueError as e:
                fail(path, n, f"bad address: {e}", line)
                continue
            want = 4 if m.group("af") == "inet" else 6
            if any(a.version != want for a in addrs):
                fail(path, n, f"{m.group('af')} rule with an IPv{10 - want} address", line)
        for port in m.group("port").strip("{} ").split(", "):
            check_port(path, n, port, ":")
        if "flags" in m.group("tail") and m.group("proto") != "tcp":
            fail(path, n, "flags on a rule that is not tcp", line)
        if "divert-to" in m.group("tail") and m.group("dir") != "in":
            fail(path, n, "divert-to applies to inbound rules", line)


# ---- Windows addresses -------------------------------------------------------

def windows_address_set(path, n, items, line):
    """Parses Windows address items into (version, first, last) intervals."""
    out = []
    for item in items:
        try:
            if "-" in item:
                lo, hi = (ipaddress.ip_address(x) for x in item.split("-"))
                if lo.version != hi.version or lo > hi:
                    raise ValueError(f"reversed or mixed range {item}")
            else:
                net = ipaddress.ip_network(item, strict=True)
                lo, hi = net[0], net[-1]
            out.append((lo.version, int(lo), int(hi)))
        except ValueError as e:
            fail(path, n, f"bad address {item!r}: {e}", line)
    return out


def size(intervals):
    return sum(b - a + 1 for _, a, b in intervals)


def overlaps(x, y):
    return any(v == w and a <= d and c <= b for v, a, b in x for w, c, d in y)


def tiles(outside, inside):
    """Whether outside and inside cover each family exactly once."""
    for version, top in ((4, 2**32 - 1), (6, 2**128 - 1)):
        nxt = 0
        for a, b in sorted((a, b) for v, a, b in outside + inside if v == version):
            if a != nxt:
                return False
            nxt = b + 1
        if nxt != top + 1:
            return False
    return True


def tile_zones(path, rules):
    """rules: (zone, intervals) per rule, each of one family.  An outside
    rule never matches an inside address; per family, the whole-zone outside
    rules (those not narrowed to servers) are exactly the complement of the
    whole inside zone."""
    whole = {}
    for zone, iv in rules:
        if zone in ("inside", "outside") and iv:
            key = (zone, iv[0][0])
            if size(iv) > size(whole.get(key, [])):
                whole[key] = iv
    if not any(k[0] == "inside" for k in whole) or not any(k[0] == "outside" for k in whole):
        return
    inside = [x for k, iv in whole.items() if k[0] == "inside" for x in iv]
    outside = [x for k, iv in whole.items() if k[0] == "outside" for x in iv]
    for zone, iv in rules:
        if zone == "outside" and overlaps(iv, inside):
            fail(path, 0, "an outside rule matches an inside address")
    if not tiles(outside, inside):
        fail(path, 0, "outside and inside do not tile the IPv4 and IPv6 spaces exactly")


# NAME-in-inside-tcp-v4, NAME-out-outside-udp-v6-2
RULE_NAME = re.compile(r"[A-Za-z0-9_-]+?-(?:in|out)-(?P<zone>[a-z0-9][a-z0-9_-]*)-(?:tcp|udp)-v[46](?:-[0-9]+)?")


# ---- netsh -------------------------------------------------------------------

# NAME stands for the rule set's name (the fragment name).
NETSH_FIXED = {
    "@echo off", "", "exit /b 0", "exit /b 1", "exit /b 2",
    "setlocal EnableExtensions DisableDelayedExpansion",
    ':remove', ':failed', ':restore_failed', ':remove_failed', ':need_admin', ':usage',
    'if /i "%~1"=="remove" goto remove', 'if not "%~1"=="" goto usage',
    "fltmc >nul 2>&1 || goto need_admin",
    "netsh advfirewall set allprofiles state on || goto failed",
    "netsh advfirewall set allprofiles firewallpolicy blockinbound,blockoutbound || goto failed",
    "netsh advfirewall set global statefulftp enable || goto failed",
    "echo usage: %~nx0 [remove] 1>&2",
    'netsh advfirewall firewall set rule name="NAME.staging" new name="NAME" >nul 2>&1',
    'netsh advfirewall firewall set rule name="NAME.staging" new name="NAME" >nul || goto failed',
    'netsh advfirewall firewall show rule name="NAME.staging" >nul 2>&1 && goto failed',
    'netsh advfirewall firewall show rule name="NAME" >nul 2>&1 && goto failed',
    'netsh advfirewall firewall show rule name="NAME" >nul 2>&1 && goto remove_failed',
    'netsh advfirewall firewall show rule name="NAME.staging" >nul 2>&1 && goto remove_failed',
    'netsh advfirewall firewall delete rule name="NAME" >nul 2>&1',
    'netsh advfirewall firewall delete rule name="NAME.staging" >nul 2>&1',
    r'reg delete "HKLM\SOFTWARE\libportspec\firewall\NAME\netsh" /f >nul 2>&1 || goto remove_failed',
    "echo NAME: rules removed; the settings of before the first run are back.",
    "echo NAME: stopped; the rules of the last run or of this one are in force. "
    "Run it again to finish, or: %~nx0 remove 1>&2",
    "echo NAME: cannot restore the settings of before the first run; nothing was removed. 1>&2",
    "echo NAME: the settings are back, but not every rule is gone; run: %~nx0 remove 1>&2",
    "echo NAME: run this from an elevated prompt (Run as administrator); nothing was changed. 1>&2",
}
NETSH_SAFE = re.compile(r"[A-Za-z0-9 .,:/()+_'-]*")
# Fixed rem lines may also name registry keys and parameters.
NETSH_REM_SAFE = re.compile(r"[A-Za-z0-9 .,:/()+_'\\=-]*")
NETSH_ADD = re.compile(
    r'netsh advfirewall firewall add rule name="(?P<name>[A-Za-z0-9_-]+)\.staging" '
    r"dir=(?P<dir>in|out) action=allow protocol=(?P<proto>TCP|UDP) "
    r"(?P<pk>localport|remoteport)=(?P<port>[0-9,-]+) remoteip=(?P<ip>[0-9a-f.:/,-]+) "
    r'profile=any enable=yes description="(?P<tag>[a-z0-9_-]+): (?P<desc>[^"]*)" \|\| goto failed')
# The settings snapshot, taken and restored by Windows PowerShell: one
# argument in double quotes, with nothing inside that cmd.exe would expand
# or end the argument with.
NETSH_PS = re.compile(
    r'powershell -NoProfile -NonInteractive -Command "(?P<body>[^"%!^]*)" '
    r"\|\| goto (?P<on_error>failed|restore_failed)")
RULE_TAG = re.compile(r"(?:in|out)-(?P<zone>[a-z0-9][a-z0-9_-]*)-(?:tcp|udp)-v[46](?:-[0-9]+)?")


def netsh_name(text):
    m = re.search(r'firewall set rule name="([A-Za-z0-9_-]+)\.staging" new', text)
    return m.group(1) if m else None


def lint_netsh(path, raw):
    if re.search(rb"(?<!\r)\n", raw):
        fail(path, 0, "a line does not end in CRLF")
    text = raw.decode("ascii")
    name = netsh_name(text)
    if name is None:
        fail(path, 0, "no staging rename: cannot tell the rule set's name")
        return
    fixed = {line.replace("NAME", name) for line in NETSH_FIXED}
    key = "HKLM:\\SOFTWARE\\libportspec\\firewall\\" + name + "\\netsh"
    rules, seen, snapshots = [], set(), []
    for n, line in enumerate(text.split("\r\n")[:-1], 1):
        if line.startswith("rem "):
            if not NETSH_REM_SAFE.fullmatch(line[4:].replace("*", "").replace(";", "")):
                fail(path, n, "rem line with a cmd.exe special character", line)
            continue
        if line in fixed:
            seen.add(line)
            continue
        if re.fullmatch(r"echo [A-Za-z0-9_-]+: [0-9]+ firewall rules in force\.", line):
            continue
        m = NETSH_PS.fullmatch(line)
        if m:
            if f"$Key = '{key}'; " not in m.group("body"):
                fail(path, n, f"snapshot command without $Key = '{key}'", line[:120])
            snapshots.append(m.group("on_error"))
            continue
        m = NETSH_ADD.fullmatch(line)
        if not m:
            fail(path, n, "not a netsh command the backend may emit", line)
            continue
        if m.group("name") != name:
            fail(path, n, f"rule of set {m.group('name')!r} in the script of {name!r}", line)
        if (m.group("dir") == "in") != (m.group("pk") == "localport"):
            fail(path, n, "dir=in needs localport, dir=out remoteport", line)
        if not NETSH_SAFE.fullmatch(m.group("desc")):
            fail(path, n, "description with a cmd.exe special character", line)
        for port in m.group("port").split(","):
            check_port(path, n, port, "-")
        tag = RULE_TAG.fullmatch(m.group("tag"))
        if not tag:
            fail(path, n, "rule tag is not DIR-ZONE-PROTO-vFAMILY", line)
            continue
        rules.append((tag.group("zone"), windows_address_set(path, n, m.group("ip").split(","), line)))
    if snapshots != ["failed", "restore_failed"]:
        fail(path, 0, f"expected one snapshot and one restore command, got {snapshots}")
    musts = ['netsh advfirewall firewall delete rule name="NAME" >nul 2>&1',
             'netsh advfirewall firewall delete rule name="NAME.staging" >nul 2>&1']
    if rules:  # a rename of no rule fails
        musts.append('netsh advfirewall firewall set rule name="NAME.staging" new name="NAME" '
                     '>nul || goto failed')
    for must in musts:
        if must.replace("NAME", name) not in seen:
            fail(path, 0, f"missing: {must}")
    tile_zones(path, rules)


# ---- PowerShell ----------------------------------------------------------------

PS_FIXED = {
    "#Requires -RunAsAdministrator", "#Requires -Modules NetSecurity", "[CmdletBinding()]",
    "param(", "\t[switch]$Remove,", "\t[string]$GPO = '',", "\t[switch]$OnlyTheseRules", ")",
    "Set-StrictMode -Version 3.0", "$ErrorActionPreference = 'Stop'",
    "$Settings = @('Enabled', 'DefaultInboundAction', 'DefaultOutboundAction', "
    "'AllowLocalFirewallRules', 'LogAllowed', 'LogBlocked', 'LogFileName', 'LogMaxSizeKilobytes')",
    "", "}", "} else {", "\treturn",
    "if ($GPO) {", "\t$Session = Open-NetGPO -PolicyStore $GPO", "\t$Store = @{ GPOSession = $Session }",
    "\t$Key = 'HKLM:\\SOFTWARE\\libportspec\\firewall\\NAME\\powershell-gpo\\' + $GPO",
    "\tif ($OnlyTheseRules) { throw '-OnlyTheseRules needs -GPO: only a GPO makes computers ignore "
    "their local rules' }",
    "\t$Session = $null", "\t$Store = @{ PolicyStore = 'PersistentStore' }",
    "\t$Key = 'HKLM:\\SOFTWARE\\libportspec\\firewall\\NAME\\powershell'",
    "function Test-Snapshot {", "function Save-Snapshot {", "function Restore-Snapshot {",
    "if ($Remove) {",
    "\tif (-not (Test-Snapshot)) { throw ('no snapshot of the firewall settings at ' + $Key + "
    "'; nothing was changed') }",
    "\tRestore-Snapshot",
    "\t$Old = @(Get-NetFirewallRule -All @Store | Where-Object { $_.Group -eq $Group })",
    "\tif ($Old.Count) { Remove-NetFirewallRule -Name @($Old | ForEach-Object { $_.Name }) @Store }",
    "\tif ($Session) { Save-NetGPO -GPOSession $Session }",
    "\tRemove-Item -LiteralPath $Key",
    "\tWrite-Host 'NAME: rules removed; the settings of before the first run are back.'",
    "if (-not (Test-Snapshot)) { Save-Snapshot }",
    "$Old = @(Get-NetFirewallRule -All @Store | Where-Object { $_.Group -eq $Group })",
    "Set-NetFirewallSetting -EnableStatefulFtp True @Store",
    "if ($Old.Count) { Remove-NetFirewallRule -Name @($Old | ForEach-Object { $_.Name }) @Store }",
    "Set-NetFirewallProfile -All -Enabled True -DefaultInboundAction Block "
    "-DefaultOutboundAction Block @Store",
    "if ($OnlyTheseRules) { Set-NetFirewallProfile -All -AllowLocalFirewallRules False @Store }",
    "if ($Session) { Save-NetGPO -GPOSession $Session }",
}
# The bodies of the three snapshot functions: tab-indented statements whose
# every NetSecurity call goes to @Store and every registry call to $Key.
PS_FUNCTION_LINE = re.compile(r"\t(?:New-Item|New-ItemProperty|foreach|\$Snap =|\$v =|if |\(\(Test-Path).*")
PS_STRING = r"'(?:[^'\x00-\x1f\x7f-\uffff]|'')*'"
PS_PARAMS = {
    "DisplayName": re.compile(PS_STRING),
    "Group": re.compile(PS_STRING),
    "Direction": re.compile(r"Inbound|Outbound"),
    "Action": re.compile(r"Allow"),
    "Protocol": re.compile(r"TCP|UDP"),
    "LocalPort": re.compile(r"@\('[0-9-]+'(?:, '[0-9-]+')*\)"),
    "RemotePort": re.compile(r"@\('[0-9-]+'(?:, '[0-9-]+')*\)"),
    "InterfaceAlias": re.compile(r"'[A-Za-z0-9_.-]+'"),
    "RemoteAddress": re.compile(r"@\('[0-9a-f.:/-]+'(?:, '[0-9a-f.:/-]+')*\)"),
    "Profile": re.compile(r"Any"),
    "Description": re.compile(PS_STRING),
}
PS_ARG = re.compile(r" -(?P<name>[A-Za-z]+) (?P<value>" + PS_STRING + r"|@\([^)]*\)|[A-Za-z]+)")
NETSECURITY_CALL = re.compile(r"\b(?:Get|Set|New|Remove)-NetFirewall[A-Za-z]+\b")


def lint_powershell(path, text):
    m = re.search(r"^\$Group = '([A-Za-z0-9_-]+)'$", text, re.M)
    if not m:
        fail(path, 0, "no $Group = 'NAME' line")
        return
    name = m.group(1)
    fixed = {line.replace("NAME", name) for line in PS_FIXED}
    groups, rules, in_function = set(), [], False
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if line.lstrip("\t").startswith("# "):
            if "`" in line:
                fail(path, n, "backtick in a comment", line)
            continue
        calls = NETSECURITY_CALL.findall(line)
        if len(calls) != line.count(" @Store"):
            fail(path, n, f"{len(calls)} NetSecurity calls, {line.count(' @Store')} of them to "
                 "@Store (each must go there, or -GPO misses it)", line)
        if in_function:
            if line == "}":
                in_function = False
            elif not PS_FUNCTION_LINE.fullmatch(line) or '"' in line or "`" in line:
                fail(path, n, "not a statement of the snapshot functions", line)
            continue
        if line in fixed:
            in_function = line.startswith("function ")
            continue
        if line == f"$Group = '{name}'":
            continue
        if re.fullmatch(r"Write-Host '[A-Za-z0-9_-]+: [0-9]+ firewall rules in force\.'", line):
            continue
        if not line.startswith("New-NetFirewallRule -") or not line.endswith(" @Store | Out-Null"):
            fail(path, n, "not a statement the backend may emit", line)
            continue
        body = line[len("New-NetFirewallRule"):-len(" @Store | Out-Null")]
        args, pos = {}, 0
        for m in PS_ARG.finditer(body):
            if m.start() != pos:
                break
            pos = m.end()
            pname, value = m.group("name"), m.group("value")
            if pname not in PS_PARAMS or not PS_PARAMS[pname].fullmatch(value):
                fail(path, n, f"parameter -{pname} {value[:40]} is not allowed", line)
            if pname in args:
                fail(path, n, f"parameter -{pname} given twice", line)
            args[pname] = value
        if pos != len(body):
            fail(path, n, f"cannot read the parameters from column {pos}", line)
            continue
        if set(args) - {"InterfaceAlias"} != set(PS_PARAMS) - {
                "LocalPort", "RemotePort", "InterfaceAlias"} | {
                "LocalPort" if args.get("Direction") == "Inbound" else "RemotePort"}:
            fail(path, n, "wrong parameter set for the direction", line)
            continue
        groups.add(args["Group"])
        ports = args.get("LocalPort") or args.get("RemotePort")
        for port in re.findall(r"'([^']+)'", ports):
            check_port(path, n, port, "-")
        display = args["DisplayName"].strip("'")
        tag = RULE_TAG.fullmatch(display[len(name) + 1:]) if display.startswith(name + "-") else None
        if not tag:
            fail(path, n, "rule name is not NAME-DIR-ZONE-PROTO-vFAMILY", line)
            continue
        items = re.findall(r"'([^']+)'", args["RemoteAddress"])
        rules.append((tag.group("zone"), windows_address_set(path, n, items, line)))
    if groups and groups != {f"'{name}'"}:
        fail(path, 0, f"rules in groups {sorted(groups)}, the script's set is {name!r}")
    tile_zones(path, rules)


def main():
    folder = sys.argv[1]
    checked = 0
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        with open(path, "rb") as f:
            raw = f.read()
        if name.endswith(".conf"):
            lint_pf(path, raw.decode("ascii"))
        elif name.endswith(".cmd"):
            lint_netsh(path, raw)
        elif name.endswith(".ps1"):
            lint_powershell(path, raw.decode("ascii"))
        else:
            continue
        checked += 1
    for e in ERRORS:
        print(e, file=sys.stderr)
    print(f"{checked} files checked, {len(ERRORS)} problems")
    return 1 if ERRORS or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
