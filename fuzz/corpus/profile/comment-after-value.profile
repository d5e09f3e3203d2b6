role = standalone # the default
