role = member
cluster-peer = 198.51.100.10
inside = 10.0.0.0/8
