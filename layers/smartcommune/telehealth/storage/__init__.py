"""Telehealth's storage adapters: the only telehealth code that touches DynamoDB."""
