# SPDX-License-Identifier: MIT
# What the tables of instructions.sh and commands.sh share.  n is the number
# of specs, name[i] the i-th spec's name and sv[i] its number of services.

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

# "| FIRST | spec... | growth per 10× services |EXTRA" and the rule under it.
function spec_header(first, extra, extra_rule,    i) {
	printf "| %s |", first
	for (i = 1; i <= n; i++) printf " %s |", name[i]
	print " growth per 10× services |" extra
	printf "|---|"
	for (i = 1; i <= n; i++) printf "---:|"
	print "---|" extra_rule
}

# "| LABEL | count per spec... | growth |" for arr[1..n, key], without the newline.
function counts_row(label, arr, key,    i, g) {
	printf "| %s |", label
	g = ""
	for (i = 1; i <= n; i++) {
		printf " %s |", m(arr[i, key])
		if (i > 1) g = join(g, growth(arr[i - 1, key], arr[i, key], i))
	}
	printf " %s |", g
}
