role = king
