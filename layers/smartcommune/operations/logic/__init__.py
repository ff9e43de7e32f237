"""Pure rules of the operations dashboard: forecasts from the register, trend warnings, the payload's assembly."""
