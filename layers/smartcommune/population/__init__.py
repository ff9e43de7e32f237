"""The population register (sổ hộ khẩu of the commune): households and the people living in them.

Citizens' accounts (``smartcommune.citizens``) are the people who sign in; the register holds everyone who lives in
the commune — children and the elderly without a phone included — and is what forecasts (school entry,
conscription age, elderly care) and household services (booking for a member, household fees) read.
"""
