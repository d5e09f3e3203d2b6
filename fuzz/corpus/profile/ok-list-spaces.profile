inside = 10.0.0.0/8
dns = inside, outside
ntp = outside ,inside
