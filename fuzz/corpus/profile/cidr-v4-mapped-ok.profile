appliance = ::ffff:192.0.2.1
