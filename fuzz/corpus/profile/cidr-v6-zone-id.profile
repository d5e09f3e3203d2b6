appliance = fe80::1%eth0
