role = central  # ￾
