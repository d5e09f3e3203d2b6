inside = not-an-address
