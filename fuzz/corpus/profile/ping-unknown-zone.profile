ping = inside, dmz
