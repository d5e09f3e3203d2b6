-- SPDX-License-Identifier: MIT
-- Smoke test of the Lua module, generated from the same SWIG interface as
-- the Python package: the queries, native flow tables and error tables.
local portspec = require("portspec")

local failures = 0
local function check(cond, what)
	if not cond then
		failures = failures + 1
		io.stderr:write("FAIL: ", what, "\n")
	end
end

check(type(portspec.version()) == "string", "version() is a string")

-- The default policy reproduces the seed's matrix.
local spec = portspec.Spec(nil, nil, nil)
check(spec:name() == "Lotus Protector for Mail Security", "spec name")
check(spec:filename() == "<default>", "spec filename")
local policy = portspec.Policy(spec, nil)
check(policy:is_allowed("outside", "inbound", "tcp", 25), "smtp in from outside")
check(policy:is_allowed("inside", "inbound", "tcp", 22), "ssh in from inside")
check(not policy:is_allowed("outside", "inbound", "tcp", 22), "no ssh from outside")
check(policy:is_allowed("outside", "outbound", "udp", 53), "dns out to outside")
check(not policy:is_allowed("inside", "inbound", "udp", 53), "no dns in from inside")
check(policy:flow_count() == 22, "22 flows in the default policy, got " .. policy:flow_count())

local f = policy:explain("inside", "outbound", "tcp", 21)
check(f and f.service == "ftp" and f.helper == "ftp" and f.port == 21, "explain ftp")
check(policy:explain("inside", "outbound", "tcp", 22) == nil, "explain denied is nil")

local flows = policy:find(nil, nil, nil, nil)
check(#flows == 22, "find() lists every flow")
local required = policy:required()
for _, r in ipairs(required) do
	check(r.level == "required", "required() lists required flows only")
end

-- A site profile: DNS served from outside only, a central cluster node.
local profile = portspec.Profile(spec)
profile:set("dns", "outside")
profile:set("role", "central")
profile:set("cluster-peer", "192.0.2.20")
profile:set("inside", "10.0.0.0/8")
check(profile:role() == "central", "profile role")
local site = portspec.Policy(spec, profile)
check(not site:is_allowed("inside", "outbound", "udp", 53), "dns not inside")
check(site:is_allowed("cluster", "inbound", "tcp", 4990), "central accepts cluster access")
check(#site:warnings() >= 1, "the either-zone warning is given")

-- The spec outlives the script's reference: the policy keeps it alive.
spec = nil
profile = nil
collectgarbage()
collectgarbage()
check(site:is_allowed("cluster", "inbound", "tcp", 5432), "policy outlives its spec handle")

-- Errors are tables with the status and the place.
local ok, err = pcall(portspec.Spec, "portspec 1\nbogus line\n", nil, "x.portspec")
check(not ok and type(err) == "table", "parse error is a table")
check(err.status == "parse" and err.line == 2 and err.file == "x.portspec",
      "parse error status and place: " .. tostring(err))
check(tostring(err):find("x.portspec:2:", 1, true) ~= nil, "tostring(error) has the place")

ok, err = pcall(site.is_allowed, site, "moon", "inbound", "tcp", 25)
check(not ok and err.status == "unknown", "unknown zone")
ok, err = pcall(site.is_allowed, site, "inside", "inbound", "tcp", 0)
check(not ok and err.status == "invalid", "port 0 is invalid")
ok, err = pcall(site.render, site, "no-such-backend", "host", false, nil)
check(not ok and err.status == "unknown", "unknown backend")

-- Rendering: text, or a clean "unsupported" error from a backend that
-- cannot (yet) do it.
local names = portspec.backends()
check(#names >= 1, "backends() lists backends")
for _, name in ipairs(names) do
	local rok, out = pcall(site.render, site, name, "host", false, nil)
	check((rok and type(out) == "string" and #out > 0) or
	      (not rok and (out.status == "unsupported")),
	      "render " .. name .. ": " .. tostring(out))
end

if failures > 0 then
	io.stderr:write(failures, " check(s) failed\n")
	os.exit(1)
end
print("lua smoke test: ok")
