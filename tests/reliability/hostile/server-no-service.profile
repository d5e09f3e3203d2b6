server = :192.0.2.1
