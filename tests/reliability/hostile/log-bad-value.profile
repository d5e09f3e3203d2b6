log = everything
