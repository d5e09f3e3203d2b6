role = ]0;PWNED
