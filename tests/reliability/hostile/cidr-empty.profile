inside =
