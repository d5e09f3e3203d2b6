role = member
cluster-peer = 198.51.100.10
