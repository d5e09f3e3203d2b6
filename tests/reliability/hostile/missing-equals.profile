role central
