# SPDX-License-Identifier: MIT
"""Every error class, raised by the library through the one status mapping."""
import ctypes
import os
import pickle
import traceback

import pytest

import portspec

GOOD_HEADER = "portspec 1\nzone outside complement\n"


def test_hierarchy():
    pairs = {
        portspec.InvalidArgumentError: ValueError,
        portspec.OutOfMemoryError: MemoryError,
        portspec.FileError: OSError,
        portspec.ParseError: ValueError,
        portspec.UnknownError: KeyError,
        portspec.ProfileError: ValueError,
        portspec.UnsupportedError: NotImplementedError,
        portspec.LimitError: ValueError,
    }
    for cls, builtin in pairs.items():
        assert issubclass(cls, portspec.Error)
        assert issubclass(cls, builtin)
    assert len({cls.status for cls in pairs}) == len(pairs)


def test_parse_error_has_the_place():
    text = "portspec 1\nzone outside complement\nservice x {\n\tlevel sometimes\n}\n"
    with pytest.raises(portspec.ParseError) as info:
        portspec.loads(text, filename="site.portspec")
    e = info.value
    assert e.status == "parse"
    assert e.filename == "site.portspec"
    assert e.line == 4
    assert e.column >= 1
    assert str(e).startswith(f"site.portspec:4:{e.column}: ")
    assert e.text in str(e)


def test_parse_error_default_filename():
    with pytest.raises(portspec.ParseError) as info:
        portspec.loads("not a spec\n")
    assert info.value.filename == "<string>"
    assert (info.value.line, info.value.column) == (1, 1)


def test_parse_error_from_file(tmp_path):
    path = tmp_path / "broken.portspec"
    path.write_text("portspec 1\nflow sideways outside services smtp\n")
    with pytest.raises(portspec.ParseError) as info:
        portspec.load(path)
    assert info.value.filename == str(path)
    assert info.value.line == 2


def test_file_error(tmp_path):
    missing = tmp_path / "missing.portspec"
    with pytest.raises(portspec.FileError) as info:
        portspec.load(missing)
    assert isinstance(info.value, OSError)
    assert info.value.filename == str(missing)
    with pytest.raises(portspec.FileError):
        portspec.load_default().profile().load(tmp_path / "missing.profile")


def test_unknown_error(policy, spec):
    with pytest.raises(portspec.UnknownError) as info:
        policy.is_allowed("moon", "inbound", "tcp", 25)
    assert "moon" in str(info.value) and "outside" in str(info.value)
    with pytest.raises(KeyError):
        policy.explain("moon", "inbound", "tcp", 25)
    for call in (lambda: policy.flows(zone="moon"), lambda: spec.policy(colour="blue"),
                 lambda: spec.profile(enable="telnet"), lambda: policy.render("no-such-backend"),
                 lambda: portspec.backend_info("no-such-backend"),
                 lambda: spec.profile().enabled("telnet")):
        with pytest.raises(portspec.UnknownError):
            call()


@pytest.mark.parametrize("args", [
    ("inside", "inbound", "tcp", 0),
    ("inside", "inbound", "tcp", 65536),
    ("inside", "inbound", "tcp", -1),
    ("inside", "sideways", "tcp", 22),
    ("inside", "inbound", "sctp", 22),
    ("inside", "any", "tcp", 22),
])
def test_invalid_argument(policy, args):
    with pytest.raises(portspec.InvalidArgumentError):
        policy.is_allowed(*args)
    with pytest.raises(ValueError):
        policy.explain(*args)


@pytest.mark.parametrize("call", [
    lambda p: p.render("markdown", mode="diagonal"),
    lambda p: p.render("markdown", fragment=True, name="bad name; drop"),
    lambda p: p.flows(level="sometimes"),
    lambda p: p.flows(direction="up"),
])
def test_invalid_argument_elsewhere(policy, call):
    with pytest.raises(portspec.InvalidArgumentError):
        call(policy)


def test_type_errors(policy):
    with pytest.raises(TypeError):
        policy.is_allowed("inside", "inbound", "tcp", "22")
    with pytest.raises(TypeError):
        policy.is_allowed(1, "inbound", "tcp", 22)
    with pytest.raises(ValueError):
        policy.is_allowed("in\0side", "inbound", "tcp", 22)
    with pytest.raises(TypeError):
        portspec.load_default().policy(portspec.load_default().profile(), dns="inside")


def test_profile_error(spec):
    for bad in ({"role": "dictator"}, {"inside": "not-an-address"},
                {"outside": "10.0.0.0/8"}, {"required_only": "perhaps"}):
        with pytest.raises(portspec.ProfileError):
            spec.profile(**bad)
    # From a keyword: the key, the keyword, and no place (it is not a file).
    with pytest.raises(portspec.ProfileError) as info:
        spec.profile(cluster_peer=["192.0.2.1", "not-an-address"])
    e = info.value
    assert e.key == "cluster-peer" and "keyword argument cluster_peer" in str(e)
    assert (e.filename, e.line, e.column) == (None, None, None)
    with pytest.raises(portspec.ProfileError) as info:
        spec.profile().set("inside", "not-an-address")
    assert info.value.key == "inside" and info.value.line is None


def test_profile_parse_error_has_the_place(spec):
    with pytest.raises(portspec.Error) as info:
        spec.profile().loads("dns = outside\nrole = dictator\n", filename="site.profile")
    assert info.value.filename == "site.profile"
    assert info.value.line == 2


def test_unsupported_error(policy):
    # A backend that cannot render what is asked says so cleanly: every
    # backend either renders or raises UnsupportedError (stubs do).
    raised = 0
    for name in portspec.backends():
        for mode in ("host", "gateway"):
            try:
                text = policy.render(name, mode=mode)
            except portspec.UnsupportedError as e:
                raised += 1
                assert e.text
                assert isinstance(e, NotImplementedError)
            else:
                assert isinstance(text, str) and text
    # pf refuses host mode for the built-in spec's FTP (portspec(1) BACKENDS).
    assert raised >= 1


def test_limit_error():
    text = "portspec 1\n# " + "x" * 9000 + "\n"
    with pytest.raises(portspec.LimitError) as info:
        portspec.loads(text, filename="long.portspec")
    assert info.value.filename == "long.portspec"
    assert info.value.line == 2


def test_every_status_maps_to_a_class():
    # The names the extension reports for enum portspec_status.
    names = ["invalid", "nomem", "io", "parse", "unknown", "profile", "unsupported", "limit"]
    for name in names:
        exc = portspec._error_from_status(name, "text", "f", 3, 4)
        assert type(exc).status == name
        assert (exc.text, exc.filename, exc.line, exc.column) == ("text", "f", 3, 4)
        copy = pickle.loads(pickle.dumps(exc))
        assert type(copy) is type(exc) and str(copy) == str(exc)
    assert type(portspec._error_from_status("no-such", "t", None, 0, 0)) is portspec.Error


def _libportspec_path():
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if os.path.basename(path).startswith("libportspec.so"):
                return path
    pytest.fail("libportspec.so is not mapped")


def test_out_of_memory_error():
    # Route the library's allocations through a hook that fails after a
    # few, the way an embedded caller's allocator would run dry.
    lib = ctypes.CDLL(_libportspec_path())
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.realloc.restype = ctypes.c_void_p
    libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    MALLOC = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_size_t)
    REALLOC = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
    FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
    budget = [0]

    def m(size):
        budget[0] -= 1
        return None if budget[0] < 0 else libc.malloc(size)

    def r(ptr, size):
        budget[0] -= 1
        return None if budget[0] < 0 else libc.realloc(ptr, size)

    def f(ptr):
        libc.free(ptr)

    hooks = (MALLOC(m), REALLOC(r), FREE(f))
    lib.portspec_set_allocator.argtypes = [MALLOC, REALLOC, FREE]
    assert lib.portspec_set_allocator(*hooks) == 0
    try:
        failures = 0
        for n in (0, 5, 50):
            budget[0] = n
            try:
                portspec.load_default().policy()
            except portspec.OutOfMemoryError as e:
                assert isinstance(e, MemoryError)
                failures += 1
        assert failures >= 1
    finally:
        lib.portspec_set_allocator(ctypes.cast(None, MALLOC), ctypes.cast(None, REALLOC),
                                   ctypes.cast(None, FREE))
    assert portspec.load_default().policy().is_allowed("outside", "inbound", "tcp", 25)


@pytest.mark.parametrize("make", [
    lambda: portspec.Spec("not a spec"),
    lambda: portspec.Spec(path="/nonexistent/x.portspec"),
    lambda: portspec.Profile(None),
    lambda: portspec.Profile("not a spec"),
    lambda: portspec.Policy(None),
    lambda: portspec.Policy(portspec.load_default(), "not a profile"),
])
def test_failed_constructor_leaves_a_safe_object(make):
    # A traceback or debugger can still reach `self` of a failed constructor:
    # touching it raises ValueError, it never crashes.
    with pytest.raises((portspec.Error, TypeError, ValueError)) as info:
        make()
    seen = 0
    for frame, _ in traceback.walk_tb(info.value.__traceback__):
        obj = frame.f_locals.get("self")
        if isinstance(obj, (portspec.Spec, portspec.Profile, portspec.Policy)):
            seen += 1
            assert "not created" in repr(obj)
            with pytest.raises(ValueError):
                if isinstance(obj, portspec.Policy):
                    len(obj)
                else:
                    obj.to_string()
    assert seen


def test_profile_of_another_spec():
    a, b = portspec.load_default(), portspec.load_default()
    with pytest.raises(portspec.InvalidArgumentError) as info:
        b.policy(a.profile())
    assert "another spec" in str(info.value)
