inside = 2001:::1
