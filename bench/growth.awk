# SPDX-License-Identifier: MIT
# What the tables of instructions.sh and commands.sh share.  sv[i] is the
# number of services of the i-th spec.

# Whether x is no count but why there is none ("error", "timeout").
function nocount(x) { return x == "error" || x == "timeout" || x == "" }

# Millions of instructions, or why there is no count.
function m(x) { return nocount(x) ? x : sprintf("%.2f M", x / 1e6) }

# Growth per ten times the services from spec i-1 to spec i ("×10.0" is
# linear); nothing from a spec of fewer than 100 services, too small to say.
function growth(a, b, i) {
	if (sv[i - 1] < 100 || nocount(a) || nocount(b) || a <= 0 || b <= 0) return ""
	return sprintf("×%.1f", exp(log(b / a) * log(10) / log(sv[i] / sv[i - 1])))
}

function join(acc, x) { return x == "" ? acc : (acc == "" ? x : acc ", " x) }
