enable = telnet
