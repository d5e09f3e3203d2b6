interface = abcdefghijklmnopq
