enable = smtp
