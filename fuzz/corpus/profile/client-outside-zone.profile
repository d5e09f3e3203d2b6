inside = 10.20.0.0/16
client = snmp:10.20.9.0/24, snmp:192.168.1.0/24
