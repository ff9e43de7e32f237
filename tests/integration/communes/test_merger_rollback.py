"""Issue 14: a merger of several communes that was interrupted is rolled back exactly, or — when a record was saved
under the new commune while it ran and cannot be traced to one old commune — refused before anything moves, and
then resumed to the end: never left half undone."""

from __future__ import annotations

from typing import Any

import pytest

from smartcommune.citizens.contracts import NewCitizen
from smartcommune.citizens.wiring import citizen_service
from smartcommune.communes.wiring import commune_repository
from smartcommune.composition import commune_merger
from smartcommune.core.errors import ConflictError
from smartcommune_local.demo_data import demo_citizens
from tests.integration.communes.test_merger import REQUEST, Interrupted, _by_commune, _scan
from tests.support.identities import ensure_demo_communes


@pytest.fixture
def two_communes(services: Any) -> Any:
    ensure_demo_communes(services)
    taken: set[str] = set()
    for commune_id in REQUEST.old_ids:
        commune = services.get(commune_repository).get(commune_id)
        people = demo_citizens(commune, 80, taken)
        services.get(citizen_service).import_citizens(
            commune_id,
            [
                NewCitizen(full_name=p.full_name, phone=p.phone, hamlet_id=p.hamlet_id, address=p.address)
                for p in people
            ],
        )
    return services


def _interrupted_after(services: Any, batches: int) -> None:
    seen = 0

    def stop() -> None:
        nonlocal seen
        seen += 1
        if seen == batches:
            raise Interrupted

    with pytest.raises(Interrupted):
        services.get(commune_merger).merge(REQUEST, after_batch=stop)


def test_a_record_saved_under_the_new_commune_while_it_ran_stops_the_rollback_and_the_merger_resumes(
    two_communes, settings
):
    before = _by_commune(_scan(settings))
    _interrupted_after(two_communes, 2)
    # While it was stopped, a citizen registered with the new commune (the page already shows it)
    hamlet = two_communes.get(commune_repository).get(REQUEST.new_id).hamlets[0]
    newcomer = NewCitizen(full_name="Trần Thị Mới", phone="0987654321", hamlet_id=hamlet.id, address=hamlet.name)
    assert two_communes.get(citizen_service).import_citizens(REQUEST.new_id, [newcomer]) == 1
    # When the merger is rolled back, it is refused with the reason, and nothing moved back
    middle = _by_commune(_scan(settings))
    with pytest.raises(ConflictError) as refused:
        two_communes.get(commune_merger).rollback(REQUEST.new_id)
    assert "không xác định được thuộc xã cũ nào" in refused.value.message
    assert "resume the merger" in refused.value.message_en
    assert _by_commune(_scan(settings)) == middle
    # When it is resumed instead, it finishes with every record, the newcomer too, under the new commune
    summary = two_communes.get(commune_merger).merge(REQUEST)
    assert summary.state == "done" and summary.lost == 0
    after = _by_commune(_scan(settings))
    citizens_before = sum(n for (_c, kind), n in before.items() if kind == "citizen")
    assert after[(REQUEST.new_id, "citizen")] == citizens_before + 1


def test_without_such_records_an_interrupted_merger_of_two_communes_rolls_back_exactly(two_communes, settings):
    before = {(i["PK"], i["SK"]): i for i in _scan(settings)}
    _interrupted_after(two_communes, 2)
    summary = two_communes.get(commune_merger).rollback(REQUEST.new_id)
    assert summary.state == "rolled_back"
    after = {(i["PK"], i["SK"]): i for i in _scan(settings) if not i["PK"].startswith("MERGE#")}
    assert after == before
    assert two_communes.get(commune_repository).get(REQUEST.new_id) is None
