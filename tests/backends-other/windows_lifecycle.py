# SPDX-License-Identifier: MIT
"""Runs the generated netsh and PowerShell scripts on a model of Windows
Defender Firewall (winfw.py) for many pairs of profiles, and proves for each
pair (first script A, then script B) that

* B's run leaves exactly B's rules in its set: every rule A added is gone
  when A and B share the set's name (names compare without case, as Windows
  does), and untouched when they do not; the host's other rules stay;
* cut after any step, a step failing cleanly, or a step that acts on several
  rules failing after some of them: at no point does a packet that is
  allowed both before and after B's run stop being allowed (no connection
  that should survive is cut, the admin's own included), and no default
  block that B sets is in force while a rule of B's profile is missing;
* run again after any such failure, B ends in exactly the state of a clean
  run; B's remove after any of them, or after a clean run, restores the
  settings of before the set's first run and deletes the set's rules, with
  the same guarantee on the way;
* remove without a snapshot, and any run without elevation, fails with a
  message and exit code 1 and changes nothing;
* the PowerShell script's -GPO run changes the GPO only, at Save-NetGPO.

The rules a profile needs come from the plan (portspec plan --format json),
not from the script.  Every generated script also passes the line linter.
Finally the checks are run on broken variants of the scripts (the order
before this design, missing steps) and must fail on each.

Usage: windows_lifecycle.py PORTSPEC_EXE
"""

import ipaddress
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lint_outputs  # noqa: E402
import winfw  # noqa: E402

EXE = sys.argv[1] if len(sys.argv) > 1 else "portspec"
GPO = "example.org\\Mail appliances"

# Profile settings to combine; interfaces only for PowerShell (netsh refuses them).
SETTINGS = [
    [], ["required-only=true"], ["disable=ssh,snmp"], ["disable=ftp"],
    ["required-only=true", "enable=ftp"], ["dns=inside"], ["dns=outside", "ntp=inside"],
    ["ntp=outside"], ["role=central", "cluster-peer=198.51.100.20,2001:db8:100::20"],
    ["role=member", "cluster-peer=198.51.100.20"],
    ["server=dns:192.0.2.53", "server=ntp:203.0.113.123"],
    ["inside=10.0.0.0/8,2001:db8:100::/48"], ["inside=10.0.0.0/8"],
    ["inside=10.0.0.0/8,172.16.0.0/12,fd00::/8", "server=ldap:10.1.2.3"],
]
PS_SETTINGS = [["interface=Ethernet0"], ["interface=inside:Ethernet1,outside:Ethernet0"]]
# Names that share prefixes, and one that differs from another by case only.
NAMES = ["portspec", "portspec-in", "Portspec", "mail_sec-2", "portspec-in-inside"]


HERE = os.path.dirname(os.path.abspath(__file__))
# A spec whose every service is optional: with required-only, no rule at all.
OPTIONAL_ONLY = os.path.join(HERE, "optional-only.portspec")


def render(backend, sets, fragment, name, spec=None):
    args = [EXE, "render", "-q", "--backend", backend, "--name", name]
    args += ["--spec", spec] if spec else []
    args += ["--fragment"] if fragment else []
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args, capture_output=True)
    return p.stdout.decode("ascii") if p.returncode == 0 else None


def merged(intervals):
    out = []
    for v, lo, hi in sorted(intervals):
        if out and out[-1][0] == v and out[-1][2] + 1 >= lo:
            out[-1] = (v, out[-1][1], max(out[-1][2], hi))
        else:
            out.append((v, lo, hi))
    return tuple(out)


def canonical(spec):
    d, proto, ports, remote, iface, action = spec
    return (d, proto, tuple(sorted(ports)), merged(remote), iface, action)


def plan_specs(sets, backend, spec=None):
    """The rules the profile needs, from the plan: one per FLOW entry."""
    args = [EXE, "plan", "-q", "--format", "json"] + (["--spec", spec] if spec else [])
    for s in sets:
        args += ["--set", s]
    plan = json.loads(subprocess.run(args, capture_output=True, check=True).stdout)
    specs = []
    for e in plan["entries"]:
        if e["kind"] != "flow":
            continue
        inbound = e["direction"] == "inbound"
        remote = [(e["family"], int(ipaddress.ip_address(a)), int(ipaddress.ip_address(b)))
                  for a, b in e["remote"]["matched"]]
        specs.append(canonical(("in" if inbound else "out", e["protocol"],
                                tuple((p["first"], p["last"]) for p in e["ports"]), remote,
                                e["iif"] if inbound else e["oif"], "allow")))
    return sorted(specs)


class Config:
    def __init__(self, backend, sets, fragment, name, spec=None):
        self.backend, self.sets, self.fragment, self.name = backend, sets, fragment, name
        self.spec = spec
        self.script = render(backend, sets, fragment, name, spec)
        self.specs = plan_specs(sets, backend, spec) if self.script else None
        self.ftp = self.script is not None and (
            "statefulftp enable" in self.script or "-EnableStatefulFtp True" in self.script)

    def __repr__(self):
        return (f"{self.backend} {'fragment' if self.fragment else 'complete'} "
                f"--name {self.name} {' '.join('--set ' + s for s in self.sets)}"
                + (f" --spec {os.path.basename(self.spec)}" if self.spec else ""))


def configs(backend, rng, count):
    pool = SETTINGS + (PS_SETTINGS if backend == "powershell" else [])
    out = [Config(backend, [], False, "portspec"), Config(backend, [], True, "portspec")]
    while len(out) < count:
        sets = [s for group in rng.sample(pool, rng.randint(1, 3)) for s in group]
        c = Config(backend, sets, rng.random() < 0.4, rng.choice(NAMES))
        if c.script is not None:  # combinations the profile refuses are not profiles
            out.append(c)
    return out


# ---- the checks --------------------------------------------------------------------

class Problems(list):
    def add(self, where, text):
        self.append(f"{where}: {text}")


def run(cfg, machine, remove=False, params=None, **kw):
    if cfg.backend == "netsh":
        return winfw.run_cmd(cfg.script, machine, "remove" if remove else "", **kw)
    p = dict(params or {})
    p["Remove"] = remove
    return winfw.run_ps(cfg.script, machine, p, **kw)


def store_of(machine, params):
    return machine.gpos[GPO] if params and params.get("GPO") else machine.local


def in_set(cfg, rule):
    """Whether @rule belongs to @cfg's rule set (netsh: its names; PowerShell: its group)."""
    if cfg.backend == "netsh":
        return rule.display.lower() in (cfg.name.lower(), cfg.name.lower() + ".staging")
    return rule.group.lower() == cfg.name.lower()


def set_specs(cfg, store, live_only=False):
    return sorted(canonical(r.spec) for r in store.rules if in_set(cfg, r)
                  and (not live_only or cfg.backend != "netsh"
                       or r.display.lower() == cfg.name.lower()))


def snapshot_key(cfg, params):
    root = "hklm:\\software\\libportspec\\firewall\\" + cfg.name.lower() + "\\"
    if cfg.backend == "netsh":
        return root + "netsh"
    if params and params.get("GPO"):
        return root + "powershell-gpo\\" + GPO.lower()
    return root + "powershell"


class Watch:
    """Called after every step of a run from @start that should end in @end:
    what both allow stays allowed, and a default block the run sets waits
    for every rule of @cfg."""

    def __init__(self, problems, where, grid, cfg, start, end, params, check_block=True):
        self.p, self.where, self.grid, self.cfg, self.params = problems, where, grid, cfg, params
        s, e = store_of(start, params), store_of(end, params)
        self.need = [a & b for a, b in zip(grid.allowed(s), grid.allowed(e))]
        self.start_defaults = {p: winfw.effective(s.profiles[p]) for p in winfw.PROFILES}
        self.specs = cfg.specs if check_block else None
        self.bad = False

    def __call__(self, machine):
        if self.bad:
            return
        store = store_of(machine, self.params)
        now = self.grid.allowed(store)
        for profile, need, have in zip(winfw.PROFILES, self.need, now):
            if need & ~have:
                self.p.add(self.where, f"{profile}: a connection allowed before and after is "
                           "blocked on the way")
                self.bad = True
                return
        if self.specs is None:
            return
        for profile in winfw.PROFILES:
            enabled, inbound, outbound = winfw.effective(store.profiles[profile])
            _, was_in, was_out = self.start_defaults[profile]
            if enabled and ((was_in and not inbound) or (was_out and not outbound)):
                have = set_specs(self.cfg, store)
                missing = [s for s in self.specs if s not in have]
                if missing:
                    self.p.add(self.where, f"{profile}: default block set while "
                               f"{len(missing)} rule(s) of the profile are missing")
                    self.bad = True
                    return


def expect(problems, where, ok, text):
    if not ok:
        problems.add(where, text)
    return ok


def check_first_run(problems, a, m0, params):
    """A on a machine where its set never ran: the rules, the settings, the snapshot."""
    m1 = m0.clone()
    r = run(a, m1, params=params)
    where = f"first run of [{a}]"
    if not expect(problems, where, r.rc == 0, f"exit code {r.rc}: {r.output[-2:]}"):
        return None
    store = store_of(m1, params)
    expect(problems, where, set_specs(a, store, live_only=True) == a.specs,
           "the set's rules are not the plan's flows")
    expect(problems, where, len(set_specs(a, store)) == len(a.specs), "staging rules left over")
    only = bool(params and params.get("OnlyTheseRules"))
    for p in winfw.PROFILES:
        prof = dict(store.profiles[p])
        expect(problems, where, (prof.pop("AllowLocalFirewallRules") == "False") == only or
               not only and store_of(m0, params).profiles[p]["AllowLocalFirewallRules"] != "False",
               f"{p}: AllowLocalFirewallRules is not what -OnlyTheseRules asks")
        before = dict(store_of(m0, params).profiles[p])
        before.pop("AllowLocalFirewallRules")
        if not a.fragment:
            expect(problems, where, (prof["Enabled"], prof["DefaultInboundAction"],
                                     prof["DefaultOutboundAction"]) == ("True", "Block", "Block"),
                   f"{p} is not on with default block")
        else:
            expect(problems, where, prof == before, f"the fragment changed the {p} profile")
    if a.ftp:
        expect(problems, where, store.ftp == "True", "stateful FTP is not on")
    snap = m1.registry.get(snapshot_key(a, params))
    old = store_of(m0, params)
    expect(problems, where, snap is not None and snap.get("Complete") == "yes" and all(
        snap[p + "." + s] == old.profiles[p][s] for p in winfw.PROFILES for s in old.profiles[p])
        and snap["Global.EnableStatefulFtp"] == old.ftp, "no complete snapshot of the settings")
    if params and params.get("GPO"):
        expect(problems, where, m1.local.settings() == m0.local.settings()
               and len(m1.local.rules) == len(m0.local.rules), "-GPO changed the local store")
    again = m1.clone()
    r = run(a, again, params=params)
    expect(problems, f"second run of [{a}]", r.rc == 0 and again.fingerprint() == m1.fingerprint(),
           "running the script twice does not give the same state")
    return m1


def removed_state(cfg, start, snapshot_from, params):
    """What remove should leave: @start without @cfg's rules, the settings of @snapshot_from."""
    m = start.clone()
    store = store_of(m, params)
    store.rules = [r for r in store.rules if not in_set(cfg, r)]
    old = store_of(snapshot_from, params)
    store.profiles = {p: dict(old.profiles[p]) for p in winfw.PROFILES}
    store.ftp = old.ftp
    m.registry.pop(snapshot_key(cfg, params), None)
    return m


def variants(clean):
    """Failures to inject, from the steps of a clean run."""
    out = [dict(cut_after=k) for k in range(clean.steps)]
    out += [dict(fail_at=k) for k in range(1, clean.steps + 1)]
    for step, count in clean.multi:
        for j in sorted({1, count // 2, count - 1} - {0}):
            out.append(dict(partial=(step, j)))
    return out


def check_pair(problems, a, b, m0, params=None):
    m1 = check_first_run(problems, a, m0, params)
    if m1 is None:
        return
    same = a.name.lower() == b.name.lower()
    where = f"[{a}] then [{b}]"
    start_problems = len(problems)
    after = m1.clone()
    clean = run(b, after, params=params)
    if not expect(problems, where, clean.rc == 0, f"exit code {clean.rc}: {clean.output[-2:]}"):
        return
    s1, s2 = store_of(m1, params), store_of(after, params)
    expect(problems, where, set_specs(b, s2) == b.specs, "the set's rules are not B's flows")
    ids_a = {r.id for r in s1.rules if in_set(a, r)}
    ids_after = {r.id for r in s2.rules}
    if same:
        expect(problems, where, not ids_a & ids_after, "rules of A's run are left")
    else:
        expect(problems, where, ids_a <= ids_after, "B removed rules of another set")
    foreign = {r.id for r in store_of(m0, params).rules}
    expect(problems, where, foreign <= ids_after, "B removed rules that are not its own")
    grid = winfw.Grid(s1.rules + s2.rules + store_of(m0, params).rules)
    # B's remove restores the settings of before its set's first run.
    final = removed_state(b, after, m0 if same else m1, params)
    for v in [{}] + variants(clean):
        label = f"{where}, {v or 'clean'}"
        m = m1.clone()
        run(b, m, params=params, observe=Watch(problems, label, grid, b, m1, after, params), **v)
        rerun = m.clone()
        r = run(b, rerun, params=params, observe=Watch(problems, label + ", run again", grid, b,
                                                         m, after, params))
        expect(problems, label + ", run again", r.rc == 0 and rerun.fingerprint() == after.fingerprint(),
               f"does not end as a clean run (exit code {r.rc})")
        gone = m.clone()
        if m.registry.get(snapshot_key(b, params), {}).get("Complete") == "yes":
            end = removed_state(b, m, m0 if same else m1, params)
            r = run(b, gone, remove=True, params=params,
                    observe=Watch(problems, label + ", remove", grid, b, m, end, params, False))
            expect(problems, label + ", remove", r.rc == 0 and gone.fingerprint() == end.fingerprint(),
                   f"does not restore the settings and delete the set (exit code {r.rc}, "
                   f"{r.output[-2:]})")
        else:
            # Cut before its snapshot was complete: the run changed nothing else,
            # and remove refuses, changing nothing.
            expect(problems, label, m.fingerprint()[:2] == m1.fingerprint()[:2],
                   "changed the firewall before its snapshot was complete")
            r = run(b, gone, remove=True, params=params)
            expect(problems, label + ", remove", r.rc == 1 and gone.fingerprint() == m.fingerprint(),
                   f"remove without a snapshot: exit code {r.rc}")
        if len(problems) > start_problems + 10:
            return
    expect(problems, where, final.fingerprint() == removed_state(b, after, m0 if same else m1,
                                                               params).fingerprint(), "model")
    check_refusals(problems, b, final, after, params)


def check_refusals(problems, cfg, removed, applied, params):
    """remove without a snapshot; runs without elevation: exit 1, a message, no change."""
    m = removed.clone()
    r = run(cfg, m, remove=True, params=params)
    expect(problems, f"remove twice [{cfg}]", r.rc == 1 and r.output and
           m.fingerprint() == removed.fingerprint(), f"exit code {r.rc}, output {r.output}")
    for state, remove in ((applied, False), (applied, True)):
        m = state.clone()
        m.elevated = False
        r = run(cfg, m, remove=remove, params=params)
        expect(problems, f"not elevated [{cfg}] {'remove' if remove else 'apply'}",
               r.rc == 1 and r.output and m.fingerprint() == state.fingerprint(),
               f"exit code {r.rc}, output {r.output}")


def initial_machines(rng):
    """Fresh Windows; a hardened host (outbound block, logging, FTP filter off);
    one with a profile off and inbound allowed.  Each with other software's rules."""
    fresh = winfw.Machine()
    hard = winfw.Machine(ftp="False")
    off = winfw.Machine(ftp="True")
    for p in winfw.PROFILES:
        hard.local.profiles[p].update(DefaultOutboundAction="Block", LogBlocked="True",
                                      DefaultInboundAction="Block")
    off.local.profiles["Public"]["Enabled"] = "False"
    off.local.profiles["Domain"]["DefaultInboundAction"] = "Allow"
    out = []
    for m in (fresh, hard, off):
        m.local.rules.append(winfw.Rule(m.new_id(), "Remote Desktop - User Mode (TCP-In)",
                                        "@FirewallAPI.dll,-28752", "in", "tcp", ((3389, 3389),),
                                        ((4, 0, 2**32 - 1), (6, 0, 2**128 - 1))))
        m.local.rules.append(winfw.Rule(m.new_id(), "portspec-in-inside-tcp-v4", "", "in", "tcp",
                                        ((22, 22),), ((4, 0xC0000200, 0xC00002FF),)))
        m.local.rules.append(winfw.Rule(m.new_id(), "Block telnet", "", "in", "tcp", ((23, 23),),
                                        ((4, 0, 2**32 - 1),), action="block"))
        m.gpos[GPO] = winfw.Store(winfw.gpo_settings())
        out.append(m)
    return out


# ---- broken scripts: the checks must catch each ------------------------------------

def move_line(text, sep, pick, before):
    lines = text.split(sep)
    i = next(k for k, l in enumerate(lines) if pick(l))
    line = lines.pop(i)
    j = next(k for k, l in enumerate(lines) if before(l))
    lines.insert(j, line)
    return sep.join(lines)


def drop_line(text, sep, pick):
    lines = text.split(sep)
    i = next(k for k, l in enumerate(lines) if pick(l))
    del lines[i]
    return sep.join(lines)


def broken(cfg):
    """(what, script) pairs: variants of @cfg's script that must fail the checks."""
    s = cfg.script
    if cfg.backend == "netsh":
        n = "\r\n"
        first_add = lambda l: "firewall add rule" in l
        return [
            ("old order: the last run's rules deleted before the new ones are added",
             move_line(s, n, lambda l: l.startswith('netsh advfirewall firewall delete rule name="')
                       and ".staging" not in l, first_add)),
            ("default block before the rules",
             move_line(s, n, lambda l: "firewallpolicy blockinbound,blockoutbound" in l, first_add)),
            ("no recovery of an interrupted run's staging set",
             drop_line(s, n, lambda l: l.endswith('new name="%s" >nul 2>&1' % cfg.name))),
            ("remove deletes the rules before it restores the settings",
             move_line(s, n, lambda l: "throw ('no snapshot" in l,
                       lambda l: l.startswith("reg delete"))),
            ("no snapshot taken", drop_line(s, n, lambda l: "New-Item -Path $Key" in l)),
        ]
    n = "\n"
    return [
        ("old order: the last run's rules removed before the new ones are added",
         move_line(s, n, lambda l: l.startswith("if ($Old.Count)"),
                   lambda l: l.startswith("New-NetFirewallRule"))),
        ("the group's rules noted after the new ones are added",
         move_line(s, n, lambda l: l.startswith("$Old = @("),
                   lambda l: l.startswith("if ($Old.Count)"))),
        ("remove deletes the rules before it restores the settings",
         move_line(s, n, lambda l: l == "\tRestore-Snapshot",
                   lambda l: l.startswith("\tif ($Session)"))),
        ("no snapshot taken", drop_line(s, n, lambda l: l == "if (-not (Test-Snapshot)) { Save-Snapshot }")),
        ("a rule that misses -GPO",
         s.replace(" @Store | Out-Null", " | Out-Null", 1)),
    ]


def check_broken(problems, cfg, m0, other):
    for what, script in broken(cfg):
        bad = Config.__new__(Config)
        bad.__dict__.update(cfg.__dict__, script=script)
        found = Problems()
        params = {"GPO": GPO} if what == "a rule that misses -GPO" else None
        try:
            check_pair(found, other, bad, m0, params)
            check_pair(found, bad, bad, m0, params)
        except (winfw.ScriptError, KeyError, StopIteration) as e:
            found.add(what, f"the model stopped: {e!r}")
        expect(problems, f"broken [{cfg}]", found, f"the checks do not catch: {what}")


def main():
    rng = random.Random(13)
    problems = Problems()
    machines = initial_machines(rng)
    linted = 0
    pairs = 0
    for backend in ("netsh", "powershell"):
        cfgs = configs(backend, rng, 18)
        for c in cfgs:
            ext = ".cmd" if backend == "netsh" else ".ps1"
            if backend == "netsh":
                lint_outputs.lint_netsh(f"{c}{ext}", c.script.encode("ascii"))
            else:
                lint_outputs.lint_powershell(f"{c}{ext}", c.script)
            linted += 1
        todo = [(a, b) for a in cfgs[:4] for b in cfgs[:4]]
        todo += [(rng.choice(cfgs), rng.choice(cfgs)) for _ in range(26)]
        # the same set rendered under names that differ by case: one set
        todo.append((Config(backend, ["dns=inside"], False, "portspec"),
                     Config(backend, ["required-only=true"], True, "PortSpec")))
        # a set without rules, after one with rules and before one
        empty = Config(backend, ["required-only=true"], False, "portspec", OPTIONAL_ONLY)
        some = Config(backend, [], True, "portspec", OPTIONAL_ONLY)
        todo += [(some, empty), (empty, some), (empty, empty)]
        for i, (a, b) in enumerate(todo):
            check_pair(problems, a, b, machines[i % len(machines)])
            pairs += 1
        if backend == "powershell":
            for a, b in [(cfgs[0], cfgs[1]), (cfgs[1], cfgs[2])]:
                check_pair(problems, a, b, machines[0], {"GPO": GPO})
                check_pair(problems, a, b, machines[1], {"GPO": GPO, "OnlyTheseRules": True})
                pairs += 2
            m = machines[0].clone()
            r = run(cfgs[0], m, params={"OnlyTheseRules": True})
            expect(problems, "-OnlyTheseRules without -GPO", r.rc == 1 and
                   m.fingerprint() == machines[0].fingerprint(), f"exit code {r.rc}")
        # against a set with fewer rules, so that a rule missing on the way shows
        check_broken(problems, cfgs[0], machines[0],
                     Config(backend, ["required-only=true", "dns=inside"], True, "portspec"))
    problems.extend(lint_outputs.ERRORS)
    for p in problems[:40]:
        print(p, file=sys.stderr)
    print(f"{pairs} pairs of scripts run on the model, {linted} scripts linted, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
