inside = 10.20.0.0/16
role = central
