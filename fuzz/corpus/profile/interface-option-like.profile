interface = --comment
