server = ldap:203.0.113.5
