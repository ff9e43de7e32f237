"""Pydantic contracts shared by the cloud functions, the device agents and the pages."""
