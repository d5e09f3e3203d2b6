dns = dmz
