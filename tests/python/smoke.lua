-- SPDX-License-Identifier: MIT
-- Smoke test of the Lua module, generated from the same SWIG interface as
-- the Python package: the header's functions, handles and error tables.
local portspec = require("portspec")

local failures = 0
local function check(cond, what)
	if not cond then
		failures = failures + 1
		io.stderr:write("FAIL: ", what, "\n")
	end
end

local P = portspec
check(type(P.version()) == "string", "version() is a string")

-- The default policy reproduces the seed's matrix.
local spec = P.spec_new_default()
check(P.spec_name(spec) == "Lotus Protector for Mail Security", "spec name")
check(P.spec_filename(spec) == "<default>", "spec filename")
local policy = P.policy_new(spec, nil)
local function allowed(pol, zone, dir, proto, port)
	return (P.is_allowed(pol, zone, dir, proto, port))
end
check(allowed(policy, "outside", P.INBOUND, P.TCP, 25), "smtp in from outside")
check(allowed(policy, "inside", P.INBOUND, P.TCP, 22), "ssh in from inside")
check(not allowed(policy, "outside", P.INBOUND, P.TCP, 22), "no ssh from outside")
check(allowed(policy, "outside", P.OUTBOUND, P.UDP, 53), "dns out to outside")
check(not allowed(policy, "inside", P.INBOUND, P.UDP, 53), "no dns in from inside")
check(P.policy_flow_count(policy) == 22,
      "22 flows in the default policy, got " .. P.policy_flow_count(policy))

local _, f = P.is_allowed(policy, "inside", P.OUTBOUND, P.TCP, 21)
local svc = f and P.flow_service(f)
check(f and P.service_name(svc) == "ftp" and P.service_helper(svc) == "ftp" and
      P.flow_port_first(f) == 21, "explain ftp")
_, f = P.is_allowed(policy, "inside", P.OUTBOUND, P.TCP, 22)
check(f == nil, "explain denied is nil")

-- Filters are iterated with a cursor: the flow (nil at the end) and the
-- next cursor.
local function each(next_)
	local out = {}
	local item, cursor = next_(0)
	while item ~= nil do
		out[#out + 1] = item
		item, cursor = next_(cursor)
	end
	return out
end
local flows = each(function(c) return P.policy_find(policy, P.LEVEL_ANY, nil, 0, 0, c) end)
check(#flows == 22, "policy_find() lists every flow, got " .. #flows)
local required = each(function(c) return P.list_required(policy, c) end)
check(#required > 0, "list_required() lists flows")
for _, r in ipairs(required) do
	check(P.flow_level(r) == P.REQUIRED, "list_required() lists required flows only")
end

-- A site profile: DNS served from outside only, a central cluster node.
local profile = P.profile_new(spec)
P.profile_set(profile, "dns", "outside")
P.profile_set(profile, "role", "central")
P.profile_set(profile, "cluster-peer", "192.0.2.20")
P.profile_set(profile, "inside", "10.0.0.0/8")
check(P.profile_role(profile) == P.ROLE_CENTRAL, "profile role")
local site = P.policy_new(spec, profile)
check(not allowed(site, "inside", P.OUTBOUND, P.UDP, 53), "dns not inside")
check(allowed(site, "cluster", P.INBOUND, P.TCP, 4990), "central accepts cluster access")
check(P.policy_warning_count(site) >= 1, "the either-zone warning is given")

-- The spec outlives the script's reference: the policy keeps it alive.
spec = nil
profile = nil
collectgarbage()
collectgarbage()
check(allowed(site, "cluster", P.INBOUND, P.TCP, 5432), "policy outlives its spec handle")

-- Errors are tables with the status and the place.
local ok, err = pcall(P.spec_parse, "portspec 1\nbogus line\n", "x.portspec")
check(not ok and type(err) == "table", "parse error is a table")
check(err.status == "parse" and err.line == 2 and err.file == "x.portspec",
      "parse error status and place: " .. tostring(err))
check(tostring(err):find("x.portspec:2:", 1, true) ~= nil, "tostring(error) has the place")

ok, err = pcall(P.is_allowed, site, "moon", P.INBOUND, P.TCP, 25)
check(not ok and err.status == "unknown", "unknown zone")
ok, err = pcall(P.is_allowed, site, "inside", P.INBOUND, P.TCP, 0)
check(not ok and err.status == "invalid", "port 0 is invalid")
ok, err = pcall(P.render, site, "no-such-backend", P.MODE_HOST, 0, nil)
check(not ok and err.status == "unknown", "unknown backend")

-- Rendering: text, or a clean "unsupported" error from a backend that
-- cannot (yet) do it.
check(P.backend_count() >= 1, "backend_count() counts backends")
for i = 0, P.backend_count() - 1 do
	local name = P.backend_name(i)
	local rok, out = pcall(P.render, site, name, P.MODE_HOST, 0, nil)
	check((rok and type(out) == "string" and #out > 0) or
	      (not rok and (out.status == "unsupported")),
	      "render " .. name .. ": " .. tostring(out))
end

if failures > 0 then
	io.stderr:write(failures, " check(s) failed\n")
	os.exit(1)
end
print("lua smoke test: ok")
