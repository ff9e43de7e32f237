"""Fee rules, pure: billing, VietQR, payment callbacks, receipts, waste schedules; the stores are ports passed in."""
