interface = "eth0"
