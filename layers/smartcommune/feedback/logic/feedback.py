"""Citizen feedback: submission, the handling workflow, comments, ratings, the public listing and statistics.

Design (``docs/feedback-contract.md`` is the contract):

* **Idempotent submission.** The ``Idempotency-Key`` of a citizen is stored as an item in the same transaction as
  the feedback and its counters, with a "must not exist" condition: two submissions with one key cannot both
  succeed. The item keeps a fingerprint of the request and the 201 body, so a retry gets the same body and a
  different body under a reused key gets 409.
* **Tracking codes** (``GP-26-000123``) come from an atomic per-commune, per-year counter: unique, not gapless
  (a retry or a refused write leaves a number unused).
* **Workflow.** :data:`~smartcommune.feedback.logic.rules.RULES` is the whole state machine: which action leads
  from which statuses to which, and which roles may take it. Every step is a conditional write on ``version`` with
  its audit entry in the same transaction; the citizen gets an SMS and a timeline entry for every change of status.
* **Photos** go straight from the phone to S3 with a presigned PUT (type and length signed). The upload id
  carries an HMAC of the citizen, so nobody can attach another person's upload; on submit each object is read
  back (size, declared type, magic bytes) because the signature is not checked by every S3 stand-in, then
  stripped of its metadata (:mod:`.image_metadata`: no stored photo keeps its GPS position) and written back.
* **Who sees an item:** its citizen, and the staff whose inbox lists it (:func:`~.rules.acting_unit`); for
  anyone else it does not exist (404). A staff comment records the unit its writer acted as.
* **Statistics** come from counters updated in the same transactions (see
  :func:`~smartcommune.feedback.logic.counters.counter_deltas`): one item per commune and Vietnam day, plus one
  item of current totals, so statistics are a key-range query.

The service is pure: stores, S3, SMS and the clock are ports passed in (:mod:`.ports`).

Layout: this module joins the parts of :class:`FeedbackService`, each a mixin on :class:`~.base.FeedbackBase`
(the ports, cached reference data and the views of an item): :mod:`.submission` (photos, submitting, Open311's
posts), :mod:`.reading` (items, the inbox, the public listing, statistics), :mod:`.workflow` and :mod:`.comments`
(comments, moderation, the rating). The pure pieces they use: :mod:`.rules` (roles, the state machine, deadlines),
:mod:`.counters`, :mod:`.photos` and :mod:`.image_metadata`, :mod:`.codes` (idempotency, tracking codes, texts) and
:mod:`.messages`.
"""

from __future__ import annotations

from smartcommune.feedback.logic.comments import CommentsMixin
from smartcommune.feedback.logic.reading import ReadingMixin
from smartcommune.feedback.logic.submission import SubmissionMixin
from smartcommune.feedback.logic.workflow import WorkflowMixin


class FeedbackService(SubmissionMixin, ReadingMixin, WorkflowMixin, CommentsMixin):
    """Everything citizens, staff and Open311 do with feedback. Commune ids come from the caller's principal."""
