"""SmartCommune shared package: every capability's contracts, logic, storage and routes, used by every function.

One package per capability (``identity``, ``citizens``, ``feedback``, ``broadcast``, ``devices``, ``audit``, …) on a
shared base (``core``); ``composition`` names them all. Shipped to AWS as a Lambda layer; installed editable in
development.
"""
