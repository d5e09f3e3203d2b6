interface = eth0;reboot
