role = central
