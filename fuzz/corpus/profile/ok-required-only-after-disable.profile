disable = ssh
required-only = false
enable = snmp
required-only = true
