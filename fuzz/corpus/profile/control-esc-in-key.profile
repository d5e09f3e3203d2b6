colour[2J = blue
