# SPDX-License-Identifier: MIT
"""portspec apply end to end, in network namespaces, for nft and for both
iptables variants (iptables and ip6tables together): a rollback gives back
the ruleset exactly as the kernel lists it, a confirmation keeps the new one,
and an open connection survives.  Run through run.py (root; see there)."""
import os
import signal
import stat
import tempfile

import pytest

from nsutil import (IPTABLES_VARIANTS, Apply, Namespace, Peer, apply_batch, connects, listing,
                    load, render, strip_comments, tool_options, veth)

VARIANTS = ("nft",) + IPTABLES_VARIANTS

# Other software's rules that apply must leave alone: tables and chains,
# sets and maps, a named counter and a quota with values, connection state.
NFT_SITE = """
table inet site {
	counter seen {
		packets 7 bytes 700
	}
	set blocked {
		type ipv4_addr
		flags interval
		elements = { 10.66.0.0/16, 10.99.1.1 }
	}
	set ports {
		type inet_service
		elements = { 8080, 8443 }
	}
	chain input {
		type filter hook input priority filter - 10; policy accept;
		ct state invalid drop
		ip saddr @blocked drop
		tcp dport @ports accept
	}
}
table ip6 v6only {
	chain out {
		type filter hook output priority 10; policy accept;
	}
}
"""

# Listed after an earlier portspec table: the restore must recreate it.
NFT_LATER = """
table inet later {
	quota q {
		over 100 mbytes used 5 mbytes
	}
	map verdicts {
		type ipv4_addr : verdict
		elements = { 10.8.8.8 : drop }
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		ip daddr vmap @verdicts
	}
}
"""

IPT4_SITE = """*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 9999 -j CT --notrack
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp --dport 8443 -j MARK --set-xmark 0x1/0xffffffff
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -s 10.0.0.0/8 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:site - [0:0]
-A INPUT -m conntrack --ctstate INVALID -j DROP
-A INPUT -s 10.1.0.0/16 -j site
-A site -p tcp -m tcp --dport 8080 -m comment --comment "site rule" -j ACCEPT
COMMIT
"""

IPT6_SITE = """*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 9999 -j CT --notrack
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:site6 - [0:0]
-A INPUT -s 2001:db8:99::/48 -j site6
-A site6 -p tcp -m tcp --dport 8080 -j ACCEPT
COMMIT
"""

OLD = ["--set", "required-only=true"]  # the profile of an earlier apply


def setup_site(ns, variant, earlier=None):
    """Other software's ruleset; with earlier (render options), a portspec
    ruleset loaded before it (and, for nft, a table created after that)."""
    if variant == "nft":
        load(ns, "nft", NFT_SITE)
        if earlier is not None:
            load(ns, "nft", render("--backend", "nft", *earlier))
            load(ns, "nft", NFT_LATER)
        return
    load(ns, variant, IPT4_SITE, 4)
    load(ns, variant, IPT6_SITE, 6)
    if earlier is not None:
        for family, backend in ((4, "iptables"), (6, "ip6tables")):
            tool = variant if family == 4 else variant.replace("iptables", "ip6tables")
            ns.run(tool + "-restore", "--noflush",
                   input=render("--backend", backend, *earlier))
            ns.run(tool, "-A", "INPUT", "-j", "portspec-in")
            ns.run(tool, "-A", "OUTPUT", "-j", "portspec-out")


def expected_after_load(variant, rule_args, earlier=None):
    """The listing an administrator gets by loading the rendered rules by hand
    over the same ruleset (in a namespace of its own)."""
    fragment = "--fragment" in rule_args
    with Namespace("expect") as ns:
        setup_site(ns, variant, earlier)
        if variant == "nft":
            load(ns, "nft", render("--backend", "nft", *rule_args))
        else:
            for family, backend in ((4, "iptables"), (6, "ip6tables")):
                tool = variant if family == 4 else variant.replace("iptables", "ip6tables")
                ns.run(tool + "-restore", *(["--noflush"] if fragment else []),
                       input=render("--backend", backend, *rule_args))
        return listing(ns, variant)


@pytest.fixture(params=VARIANTS)
def variant(request):
    return request.param


@pytest.fixture
def site(variant):
    with Namespace("site") as ns:
        setup_site(ns, variant)
        yield ns


def start(ns, variant, *args):
    return Apply(ns, *tool_options(variant), "-q", *args).wait_prompt()


def assert_loaded(ns, variant, before):
    """While the prompt waits, the new rules are in force."""
    now = listing(ns, variant)
    assert now != before
    assert ("table inet portspec" in now if variant == "nft"
            else "replies and related connections" in now)


# --- rollback --------------------------------------------------------------

@pytest.mark.parametrize("how", ["eof", "sigterm", "sigint", "sighup", "other-answer"])
def test_no_confirmation_restores_exactly(site, variant, how):
    before = listing(site, variant)
    a = start(site, variant)
    assert_loaded(site, variant, before)
    if how == "eof":
        a.type(b"\x04")
    elif how == "sigterm":
        a.signal(signal.SIGTERM)
    elif how == "sigint":
        a.type(b"\x03")  # ^C on the terminal
    elif how == "sighup":
        a.hang_up()
    else:
        a.type(b"y\n")
    assert a.finish() == 1, a.text()
    assert listing(site, variant) == before
    if how != "sighup":
        assert "restored; the ruleset lists as before" in a.text()
    expect = {"eof": "end of input", "sigterm": "SIGTERM", "sigint": "SIGINT",
              "other-answer": "not 'yes'", "sighup": ""}[how]
    assert expect in a.text()


def test_timeout_restores_exactly(site, variant):
    before = listing(site, variant)
    a = start(site, variant, "--timeout", "1")
    assert_loaded(site, variant, before)
    assert a.finish() == 1, a.text()
    assert "no answer within 1 second:" in a.text()
    assert listing(site, variant) == before


@pytest.mark.parametrize("variant", VARIANTS)
def test_rollback_over_an_earlier_apply(variant):
    """An earlier portspec ruleset (and, for nft, a table listed after it)
    comes back exactly, in the same place."""
    with Namespace("earlier") as ns:
        setup_site(ns, variant, earlier=OLD + (["--fragment"] if variant != "nft" else []))
        before = listing(ns, variant)
        args = ["--fragment"] if variant != "nft" else []
        a = start(ns, variant, *args)
        assert listing(ns, variant) != before
        a.type(b"\x04")
        assert a.finish() == 1, a.text()
        assert listing(ns, variant) == before


# --- confirmation ----------------------------------------------------------

def test_yes_on_the_terminal_keeps(site, variant):
    a = start(site, variant)
    a.type(b"yes\n")
    assert a.finish() == 0, a.text()
    assert "kept" in a.text()
    assert listing(site, variant) == expected_after_load(variant, [])


def test_yes_option_keeps_without_a_terminal(site, variant):
    rc, err = apply_batch(site, *tool_options(variant), "-q", "--yes")
    assert rc == 0, err
    assert listing(site, variant) == expected_after_load(variant, [])


def test_no_terminal_changes_nothing(site, variant):
    before = listing(site, variant)
    rc, err = apply_batch(site, *tool_options(variant), "-q")
    assert rc == 2, err
    assert "no terminal to confirm on" in err
    assert listing(site, variant) == before


@pytest.mark.parametrize("variant", IPTABLES_VARIANTS)
def test_iptables_fragment_touches_only_its_chains(variant):
    with Namespace("frag") as ns:
        setup_site(ns, variant)
        before = listing(ns, variant)
        a = start(ns, variant, "--fragment")
        a.type(b"\x04")
        assert a.finish() == 1, a.text()
        assert listing(ns, variant) == before  # its new chains are gone again
        a = start(ns, variant, "--fragment")
        a.type(b"yes\n")
        assert a.finish() == 0, a.text()
        assert listing(ns, variant) == expected_after_load(variant, ["--fragment"])


@pytest.mark.parametrize("variant", IPTABLES_VARIANTS)
def test_a_table_the_ruleset_adds_comes_back_empty(variant):
    """iptables: a table the saved ruleset did not have (raw here) cannot be
    deleted again; it comes back empty with ACCEPT policies.  (nft deletes a
    table it added: the rollback tests above start without one.)"""
    with Namespace("noraw") as ns:
        load(ns, variant, "*mangle" + IPT4_SITE.split("*mangle", 1)[1], 4)
        before = listing(ns, variant)
        assert "*raw" not in before
        a = start(ns, variant)
        a.type(b"\x04")
        assert a.finish() == 1, a.text()
        after = listing(ns, variant)
        empty_raw = "*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
        assert tables(after) == dict(tables(before), raw=empty_raw)


def tables(text):
    """{table: block} of iptables-save text (IPv4 part)."""
    out, cur = {}, None
    for line in text.split("--- ip6tables")[0].splitlines(keepends=True):
        if line.startswith("*"):
            cur = line[1:].strip()
            out[cur] = ""
        if cur:
            out[cur] += line
        if line.startswith("COMMIT"):
            cur = None
    return out


# --- nft specifics ---------------------------------------------------------

HOOKS = """table inet portspec {
	chain input {
		type filter hook input priority filter; policy drop;
		iifname "lo" accept
		jump portspec-in
	}
	chain output {
		type filter hook output priority filter; policy drop;
		oifname "lo" accept
		jump portspec-out
	}
}
"""


def test_nft_fragment_with_hooks():
    with Namespace("hooks") as ns, tempfile.NamedTemporaryFile("w", suffix=".nft") as f:
        f.write(HOOKS)
        f.flush()
        setup_site(ns, "nft")
        before = listing(ns, "nft")
        a = start(ns, "nft", "--fragment", "--hooks", f.name)
        assert "jump portspec-in" in listing(ns, "nft")
        a.type(b"\x04")
        assert a.finish() == 1, a.text()
        assert listing(ns, "nft") == before
        rc, err = apply_batch(ns, "-q", "--fragment", "--hooks", f.name, "--yes")
        assert rc == 0, err
        kept = listing(ns, "nft")
        assert "jump portspec-out" in kept and "policy drop" in kept
        # Reloading without the hooks would delete them: refused, nothing changed.
        rc, err = apply_batch(ns, "-q", "--fragment", "--yes")
        assert rc == 2 and "--hooks" in err, err
        assert listing(ns, "nft") == kept


def test_nft_hooks_file_may_only_hold_the_table():
    with Namespace("badhooks") as ns, tempfile.NamedTemporaryFile("w", suffix=".nft") as f:
        f.write('include "/etc/nftables.d/portspec.nft"\n' + HOOKS)
        f.flush()
        rc, err = apply_batch(ns, "-q", "--fragment", "--hooks", f.name, "--yes")
        assert rc == 2, err
        assert "%s:1:" % f.name in err
        assert ns.run("nft", "list", "ruleset") == ""


def test_nft_table_of_iptables_nft_after_ours_is_left_alone():
    """nft cannot recreate an iptables-nft table from its listing, so when one
    lists after the earlier portspec table only that table comes back (the
    same contents, listed last), and apply says so before loading."""
    with Namespace("xt") as ns:
        load(ns, "nft", render("--backend", "nft", *OLD))
        ns.run("iptables-nft", "-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports",
               "8080,8443", "-m", "comment", "--comment", "docker-ish", "-j", "ACCEPT")
        before_ipt = ns.run("iptables-nft-save")
        before = ns.run("nft", "list", "table", "inet", "portspec")
        a = start(ns, "nft")
        assert "cannot recreate (iptables-nft manages it)" in a.text()
        a.type(b"\x04")
        assert a.finish() == 1, a.text()
        assert ns.run("nft", "list", "table", "inet", "portspec") == before
        assert strip_comments(ns.run("iptables-nft-save")) == strip_comments(before_ipt)
        assert ns.run("nft", "list", "tables").split("\n")[:2] == ["table ip filter",
                                                                   "table inet portspec"]


# --- gateway, failures, failing closed -------------------------------------

def test_complete_gateway_needs_replace_forwarding(site, variant):
    before = listing(site, variant)
    rc, err = apply_batch(site, *tool_options(variant), "-q", "--mode", "gateway", "--yes")
    assert rc == 2, err
    assert "cutting all other traffic this firewall forwards" in err
    assert listing(site, variant) == before
    rc, err = apply_batch(site, *tool_options(variant), "-q", "--mode", "gateway", "--yes",
                          "--replace-forwarding")
    assert rc == 0, err
    assert "all other forwarded traffic" in err


def fake_tools(tmp, variant, fail_v6_load=False):
    """A directory of stand-ins: broken-restore always fails; with
    fail_v6_load, fake6-restore fails to load the new IPv6 rules (after
    checking them) and passes everything else to the real program."""
    real6 = variant.replace("iptables", "ip6tables")
    scripts = {
        "broken-restore": "#!/bin/sh\necho 'broken: no such table' >&2\nexit 1\n",
        "broken-save": "#!/bin/sh\nexit 1\n",
        "fake6-save": "#!/bin/sh\nexec %s-save \"$@\"\n" % real6,
        "fake6-restore": (
            "#!/usr/bin/python3\nimport subprocess, sys\n"
            "data = sys.stdin.buffer.read()\n"
            "if %r and b'Generated by libportspec' in data and '--test' not in sys.argv:\n"
            "    sys.stderr.write('fake6: simulated load failure\\n'); sys.exit(4)\n"
            "sys.exit(subprocess.run(['%s-restore'] + sys.argv[1:], input=data).returncode)\n"
            % (fail_v6_load, real6)),
    }
    for name, text in scripts.items():
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, stat.S_IRWXU)
    return tmp


def test_a_tool_that_refuses_changes_nothing(site, variant, tmp_path):
    before = listing(site, variant)
    d = fake_tools(str(tmp_path), variant)
    tool = (["--nft", "/bin/false"] if variant == "nft"
            else ["--backend", "iptables", "--iptables-restore", d + "/broken-restore"])
    rc, err = apply_batch(site, *tool, "-q", "--yes")
    assert rc == 69, err
    assert "nothing changed" in err
    assert listing(site, variant) == before


@pytest.mark.parametrize("variant", IPTABLES_VARIANTS)
def test_a_failed_load_rolls_back_what_was_loaded(variant, tmp_path):
    """iptables loads, then ip6tables fails: iptables is restored too."""
    d = fake_tools(str(tmp_path), variant, fail_v6_load=True)
    with Namespace("half") as ns:
        setup_site(ns, variant)
        before = listing(ns, variant)
        rc, err = apply_batch(ns, "-q", "--yes", "--backend", "iptables,ip6tables",
                              "--iptables-restore", variant + "-restore",
                              "--ip6tables-restore", d + "/fake6-restore")
        assert rc == 69, err
        assert "simulated load failure" in err and "nothing changed" in err
        assert listing(ns, variant) == before


def test_on_failure_closed_loads_only_loopback(site, variant):
    before = listing(site, variant)
    bad = ["--set", "inside=not-an-address"]
    rc, err = apply_batch(site, *tool_options(variant), "-q", "--yes", *bad)
    assert rc == 65, err
    assert listing(site, variant) == before  # open: as it was
    rc, err = apply_batch(site, *tool_options(variant), "-q", "--yes", "--on-failure=closed",
                          *bad)
    assert rc == 65, err
    assert "failed closed" in err
    now = listing(site, variant)
    if variant == "nft":
        table = site.run("nft", "list", "table", "inet", "portspec")
        assert "policy drop" in table and 'iifname "lo" accept' in table
    else:
        assert now.count(":INPUT DROP") == 2 and now.count("-A INPUT -i lo -j ACCEPT") == 2


# --- an open session survives ----------------------------------------------

def test_open_session_survives_a_confirmed_apply(variant):
    """An SSH-like TCP session from inside, open before apply, still works
    after a confirmed apply of a policy that allows ssh from inside (it rides
    on conntrack's established state), while a port the policy does not list
    is closed to new connections."""
    with Namespace("app") as app, Namespace("inside") as inside:
        setup_site(app, variant)
        veth(app, "eth1", "192.0.2.1/24", inside, "in0", "192.0.2.10/24")
        server = Peer(app, "serve", "22", "8080")
        client = None
        try:
            assert connects(inside, "192.0.2.1", 8080)
            client = Peer(inside, "client", "192.0.2.1", "22")
            assert client.echo("before") == "before"
            tracked = app.run("conntrack", "-L", "-p", "tcp", "--dport", "22", check=False)
            assert "ESTABLISHED" in tracked, tracked
            a = start(app, variant)
            assert client.echo("waiting") == "waiting"
            a.type(b"yes\n")
            assert a.finish() == 0, a.text()
            assert client.echo("after") == "after"
            assert connects(inside, "192.0.2.1", 22)
            assert not connects(inside, "192.0.2.1", 8080)
        finally:
            if client:
                client.close()
            server.close()
