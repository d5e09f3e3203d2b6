# SPDX-License-Identifier: MIT
# The tables of instructions.sh, from its lines "stage ..." and "render ...".
$1 == "stage" { n++; name[n] = $3; bytes[n] = $4; e[n] = $5; p[n] = $6 - $5; c[n] = $7 - $6; comp[n] = $7; sv[n] = $8 }
$1 == "render" { r[$2, $3] = nocount($4) ? $4 : $4 - comp[$2]; if (!($3 in seen)) { seen[$3] = 1; order[++nb] = $3 } }
END {
	print "| spec | services | bytes | exec | parse | parse per byte | compile |"
	print "|---|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= n; i++)
		printf "| %s | %d | %d | %s | %s | %.1f | %s |\n", name[i], sv[i], bytes[i], m(e[i]),
		       m(p[i]), bytes[i] ? p[i] / bytes[i] : 0, m(c[i])
	gp = gc = ""
	for (i = 2; i <= n; i++) {
		gp = join(gp, growth(p[i - 1], p[i], i))
		gc = join(gc, growth(c[i - 1], c[i], i))
	}
	printf "| growth per 10× services | | | | %s | | %s |\n\n", gp, gc
	spec_header("render", "", "")
	for (k = 1; k <= nb; k++) {
		counts_row(order[k], r, order[k])
		print ""
	}
}
