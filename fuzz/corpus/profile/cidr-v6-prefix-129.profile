inside = 2001:db8::/129
