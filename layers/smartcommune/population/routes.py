"""The register over HTTP: the office keeps households and residents; a citizen sees their own household; anyone
sees the commune's figures (counts only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smartcommune.core.api.router import CITIZENS, PUBLIC, router
from smartcommune.core.contracts import Role
from smartcommune.population.contracts import (
    Household,
    HouseholdPage,
    HouseholdQuery,
    NewHousehold,
    NewResident,
    PopulationView,
    Resident,
    ResidentChange,
)

if TYPE_CHECKING:
    from smartcommune.core.api.http import ApiRequest
    from smartcommune.population.logic import PopulationService

TAGS = ("population",)
KEEPERS = frozenset({Role.ADMIN, Role.OFFICE})
# The commune police keep residence records (cư trú) with the office; health staff book for household members.
READERS = frozenset({Role.ADMIN, Role.OFFICE, Role.POLICE, Role.HEALTH})


def _register(request: ApiRequest) -> PopulationService:
    from smartcommune.population.wiring import population_service

    return request.services.get(population_service)


@router.route(
    "POST",
    "/population/households",
    allow=KEEPERS,
    body=NewHousehold,
    response=Household,
    status=201,
    tags=TAGS,
    summary="Register a household book and the people living in it",
)
def population_register_household(request: ApiRequest) -> Household:
    return _register(request).register(request.caller, request.body)


@router.route(
    "GET",
    "/population/households",
    allow=READERS,
    query=HouseholdQuery,
    response=HouseholdPage,
    tags=TAGS,
    summary="The commune's households, by hamlet then number (one page)",
)
def population_households(request: ApiRequest) -> HouseholdPage:
    return _register(request).households(request.caller, request.query)


@router.route(
    "GET",
    "/population/households/{household_id}",
    allow=READERS,
    response=Household,
    tags=TAGS,
    summary="One household book: its residents, those who left included",
)
def population_household(request: ApiRequest) -> Household:
    return _register(request).household(request.caller, request.path_params["household_id"])


@router.route(
    "POST",
    "/population/households/{household_id}/residents",
    allow=KEEPERS,
    body=NewResident,
    response=Resident,
    status=201,
    tags=TAGS,
    summary="Write a person into a household (a birth, someone moving in)",
)
def population_add_resident(request: ApiRequest) -> Resident:
    return _register(request).add_resident(request.caller, request.path_params["household_id"], request.body)


@router.route(
    "PUT",
    "/population/households/{household_id}/residents/{resident_id}/status",
    allow=KEEPERS,
    body=ResidentChange,
    response=Resident,
    tags=TAGS,
    summary="A resident moved out or died (kept in the book, no longer counted)",
)
def population_change_resident(request: ApiRequest) -> Resident:
    params = request.path_params
    return _register(request).change_resident(
        request.caller, params["household_id"], params["resident_id"], request.body
    )


@router.route(
    "GET",
    "/me/household",
    allow=CITIZENS,
    response=Household,
    tags=TAGS,
    summary="My household as the register holds it",
)
def population_my_household(request: ApiRequest) -> Household:
    return _register(request).my_household(request.caller)


@router.route(
    "GET",
    "/communes/{commune_id}/population",
    allow=PUBLIC,
    response=PopulationView,
    tags=TAGS,
    summary="The commune's households and residents, and its age pyramid (counts only)",
)
def population_figures(request: ApiRequest) -> PopulationView:
    from smartcommune.communes.wiring import current_commune_id

    return _register(request).public_view(current_commune_id(request.services, request.path_params["commune_id"]))
