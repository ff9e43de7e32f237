"""The register's pure rules: who may be written where, and what is counted."""

from smartcommune.population.logic.register import PopulationService, age_bands

__all__ = ["PopulationService", "age_bands"]
