inside = 10.20.0.0/16
ping = inside
log = drops
client = https:10.20.9.0/24
