colour = blue
