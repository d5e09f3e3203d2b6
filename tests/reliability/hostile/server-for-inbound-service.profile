inside = 10.20.0.0/16
server = snmp:10.20.9.0/24
