inside = 10.0.0.1/8
