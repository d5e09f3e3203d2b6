inside = 2001:db8::1/32
