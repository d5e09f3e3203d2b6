role = central
cluster-peer = 192.0.2.20
inside = 10.0.0.0/8
inside = 2001:db8:1::/48
appliance = 192.0.2.1
disable = ssh
