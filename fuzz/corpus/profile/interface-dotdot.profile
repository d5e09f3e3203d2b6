outside-interface = ..
