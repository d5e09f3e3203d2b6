inside = 010.0.0.0/8
