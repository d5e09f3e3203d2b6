role = ÿ
