"""Sign-in rules, pure: codes, passwords, sessions; the stores are ports passed in."""
