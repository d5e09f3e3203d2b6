inside = 10.0.0.0/8
server = ldap:203.0.113.5
