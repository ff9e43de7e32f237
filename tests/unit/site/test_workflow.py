"""The editorial workflow and slugs, pure: who may take which step from which status."""

from __future__ import annotations

import pytest

from smartcommune.core.contracts import Role
from smartcommune.core.errors import ConflictError, ForbiddenError, InvalidInputError
from smartcommune.site.logic.common import query_words, slugify, words_of
from smartcommune.site.logic.workflow import STEPS, check_edit, check_step

AUTHOR = frozenset({Role.CULTURE})
REVIEWER = frozenset({Role.ADMIN})


@pytest.mark.parametrize(
    ("action", "status", "roles", "target"),
    [
        ("submit", "draft", AUTHOR, "in_review"),
        ("return", "in_review", REVIEWER, "draft"),
        ("publish", "in_review", REVIEWER, "published"),
        ("unpublish", "published", REVIEWER, "unpublished"),
        ("publish", "unpublished", REVIEWER, "published"),
        ("reopen", "unpublished", AUTHOR, "draft"),
        ("archive", "published", REVIEWER, "archived"),
    ],
)
def test_each_step_leads_where_the_workflow_says(action, status, roles, target):
    assert check_step(action, status, roles, "lý do", own_article=False) == target


def test_nothing_leaves_the_archive_and_nothing_skips_review():
    for action in STEPS:
        with pytest.raises((ConflictError, ForbiddenError)):
            check_step(action, "archived", AUTHOR | REVIEWER, "lý do", own_article=False)
    with pytest.raises(ConflictError):
        check_step("publish", "draft", REVIEWER, None, own_article=False)


def test_roles_reasons_and_the_two_person_rule():
    with pytest.raises(ForbiddenError):
        check_step("publish", "in_review", AUTHOR, None, own_article=False)
    with pytest.raises(ForbiddenError):
        check_step("submit", "draft", REVIEWER, None, own_article=False)
    with pytest.raises(ForbiddenError, match="their own article"):
        check_step("publish", "in_review", AUTHOR | REVIEWER, None, own_article=True)
    with pytest.raises(InvalidInputError):
        check_step("return", "in_review", REVIEWER, "  ", own_article=False)
    with pytest.raises(ConflictError):
        check_edit("in_review", AUTHOR)
    with pytest.raises(ForbiddenError):
        check_edit("draft", REVIEWER)


def test_slugs_and_search_words_ignore_diacritics():
    assert slugify("Hội nghị tổng kết năm 2025: Đình Vuông!") == "hoi-nghi-tong-ket-nam-2025-dinh-vuong"
    assert len(slugify("Nông thôn mới " * 10)) <= 60 and not slugify("Nông thôn mới " * 10).endswith("-")
    assert slugify("!!!") == "bai-viet"
    words = words_of("Nước mắm Giao Phong", None, "HTX nông, ngư")
    assert all(f" {w}" in words for w in query_words("NUOC mắm ngu"))
