"""SmartCommune shared package: contracts, domain logic and data access shared by every function.

Shipped to AWS as a Lambda layer; installed editable in development.
"""
