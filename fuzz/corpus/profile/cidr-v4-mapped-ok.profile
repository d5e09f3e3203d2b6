appliance = ::ffff:192.0.2.1
inside = 10.0.0.0/8
