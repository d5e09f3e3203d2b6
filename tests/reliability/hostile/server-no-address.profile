server = ldap
