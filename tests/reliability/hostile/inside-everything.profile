inside = 0.0.0.0/0
inside = ::/0
