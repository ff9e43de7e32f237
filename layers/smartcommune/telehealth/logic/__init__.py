"""Pure telehealth rules and services (every store a port, see ``ports``)."""
