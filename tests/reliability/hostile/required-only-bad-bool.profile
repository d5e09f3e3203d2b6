required-only = maybe
