"""Pure rules and services of the commune website (ports in :mod:`.ports`)."""
