required-only = true
