# SPDX-License-Identifier: MIT
"""Object lifetimes: what keeps what alive, and no leaks over many cycles."""
import ctypes
import gc
import os
import sys
import tracemalloc
import weakref

import portspec


def test_policy_keeps_its_spec_alive():
    spec = portspec.load_default()
    policy = spec.policy(dns="outside")
    ref = weakref.ref(spec)
    del spec
    gc.collect()
    assert ref() is not None  # the Python object, through policy.spec
    assert policy.spec.name == "Lotus Protector for Mail Security"
    assert policy.is_allowed("outside", "inbound", "tcp", 25)


def test_policy_works_after_every_other_handle_is_gone():
    spec = portspec.load_default()
    profile = spec.profile(role="central", cluster_peer="192.0.2.30", inside="10.0.0.0/8")
    policy = spec.policy(profile)
    del spec, profile
    gc.collect()
    assert policy.is_allowed("cluster", "inbound", "tcp", 4990)
    assert policy.explain("cluster", "inbound", "tcp", 5432).service == "cluster-db"
    assert len(list(policy)) == len(policy)


def test_profile_keeps_its_spec_alive():
    profile = portspec.load_default().profile(dns="inside")
    gc.collect()
    assert profile.spec.filename == "<default>"
    assert "dns" in profile.to_string()
    policy = profile.spec.policy(profile)
    assert not policy.is_allowed("outside", "outbound", "udp", 53)


def test_profile_changes_after_compiling_do_not_touch_the_policy():
    spec = portspec.load_default()
    profile = spec.profile()
    policy = spec.policy(profile)
    profile.set("disable", "ssh")
    del profile
    gc.collect()
    assert policy.is_allowed("inside", "inbound", "tcp", 22)


def test_flows_and_services_outlive_their_objects():
    policy = portspec.load_default().policy()
    flows = list(policy)
    services = policy.spec.services()
    explained = policy.explain("inside", "inbound", "tcp", 22)
    del policy
    gc.collect()
    assert [f.service for f in flows][:2] == ["smtp", "smtps"]
    assert explained.note and "Support" in explained.note
    assert services[0].name == "smtp"


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]


def _c_heap_in_use():
    """Bytes the C heap has handed out (glibc mallinfo2), or None."""
    libc = ctypes.CDLL(None)
    fn = getattr(libc, "mallinfo2", None)
    if fn is None:
        return None
    fn.restype = _Mallinfo2
    info = fn()
    return info.uordblks + info.hblkhd


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


SPEC_TEXT = portspec.default_spec_text()
_UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")


def _cycle(i):
    spec = portspec.loads(SPEC_TEXT, filename="cycle.portspec")
    profile = spec.profile(dns="outside", role="central", cluster_peer=["192.0.2.40"],
                           inside=["10.0.0.0/8", "2001:db8::/32"])
    policy = spec.policy(profile)
    del spec, profile
    assert policy.is_allowed("inside", "inbound", "tcp", 22)
    assert policy.explain("cluster", "inbound", "tcp", 4990) is not None
    assert policy.explain("outside", "inbound", "tcp", 22) is None
    assert len(policy.required()) > 0
    assert policy.warnings
    if i % 4 == 0:
        assert len(list(policy)) == len(policy)
        assert policy.spec.to_string()
    try:
        policy.is_allowed("moon", "inbound", "tcp", 25)
    except portspec.UnknownError:
        pass
    try:
        policy.render("json")
    except portspec.Error:
        pass
    if i % 8 == 0:
        try:
            portspec.loads("portspec 1\nzone z sideways\n")
        except portspec.ParseError:
            pass


def test_no_leaks_over_100000_cycles():
    # Warm up (caches, interned strings, allocator pools), then measure the
    # Python heap (pymalloc blocks), the C heap (glibc mallinfo2) and RSS
    # across 100,000 create/query/destroy cycles.
    for i in range(2000):
        _cycle(i)
    gc.collect()
    blocks_before = sys.getallocatedblocks()
    c_before = _c_heap_in_use()
    rss_before = _rss()
    for i in range(100_000):
        _cycle(i)
    gc.collect()
    block_growth = sys.getallocatedblocks() - blocks_before
    c_growth = None if c_before is None else _c_heap_in_use() - c_before
    rss_growth = _rss() - rss_before
    print(f"growth over 100,000 cycles: {block_growth} Python blocks, "
          f"C heap {c_growth} B, RSS {rss_growth} B")
    # A leaked object per cycle would be 100,000 blocks or >= 1.6 MB.
    assert block_growth < 1000
    if _UNDER_ASAN:
        # ASan's allocator keeps freed memory in quarantine and bypasses
        # glibc's: RSS and mallinfo say nothing there.
        print("under AddressSanitizer: C heap and RSS not measured")
        return
    if c_growth is not None:
        assert c_growth < 256 * 1024
    assert rss_growth < 4 * 1024 * 1024


def test_no_python_leaks_traced():
    # The same cycle under tracemalloc (slower, so fewer cycles): the traced
    # Python memory does not grow, and a failure names the allocating line.
    for i in range(500):
        _cycle(i)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for i in range(5000):
        _cycle(i)
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    top = after.compare_to(before, "lineno")[:5]
    print(f"traced growth over 5,000 cycles: {growth} B")
    assert growth < 32 * 1024, "\n".join(str(stat) for stat in top)
