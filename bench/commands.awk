# SPDX-License-Identifier: MIT
# The table of commands.sh, from its lines "spec ..." and "cmd ..." (tab-separated).
/^spec / { split($0, f, " "); n = f[2]; name[n] = f[3]; sv[n] = f[4]; next }
/^cmd / { split($1, f, " "); i = f[2]; v[i, $2] = $3; if (!($2 in seen)) { seen[$2] = 1; order[++nc] = $2 } }
END {
	spec_header("command", sprintf(" vs list on %s |", name[n]), "---:|")
	for (k = 1; k <= nc; k++) {
		c = order[k]
		counts_row("`" c "`", v, c)
		l = v[n, "list"]
		printf " %s |\n", (!nocount(l) && !nocount(v[n, c]) && l > 0) ? sprintf("%.2f", v[n, c] / l) : "-"
	}
}
