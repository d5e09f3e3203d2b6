# SPDX-License-Identifier: MIT
# The table of commands.sh, from its lines "spec ..." and "cmd ..." (tab-separated).
/^spec / { split($0, f, " "); n = f[2]; name[n] = f[3]; sv[n] = f[4]; next }
/^cmd / { split($1, f, " "); i = f[2]; v[i, $2] = $3; if (!($2 in seen)) { seen[$2] = 1; order[++nc] = $2 } }
END {
	printf "| command |"
	for (i = 1; i <= n; i++) printf " %s |", name[i]
	printf " growth per 10× services | vs list on %s |\n", name[n]
	printf "|---|"
	for (i = 1; i <= n; i++) printf "---:|"
	print "---|---:|"
	for (k = 1; k <= nc; k++) {
		c = order[k]
		printf "| `%s` |", c
		g = ""
		for (i = 1; i <= n; i++) {
			printf " %s |", m(v[i, c])
			if (i > 1) g = join(g, growth(v[i - 1, c], v[i, c], i))
		}
		l = v[n, "list"]
		printf " %s | %s |\n", g, (!nocount(l) && !nocount(v[n, c]) && l > 0) ? sprintf("%.2f", v[n, c] / l) : "-"
	}
}
