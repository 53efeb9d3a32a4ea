"""The same idempotency key sent by concurrent requests records one outcome and bumps the
counters once (the database decides, not the application)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from decisioning.models import Interaction, OutcomeCounter
from decisioning.realtime import recommend, respond
from tests.decisioning.factories import make_world


@pytest.mark.django_db(transaction=True)
def test_concurrent_responses_with_one_key_record_once(personas: Any) -> None:
    world = make_world(personas.tenant_a)
    tenant = personas.tenant_a
    rec = recommend(
        tenant=tenant, customer_ref=world["customer"].external_id, flow_key=world["flow"].key
    )
    target = rec.interaction_ids[0]
    barrier = threading.Barrier(6)
    results: list[bool] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            outcome = respond(
                tenant=tenant,
                customer_ref=world["customer"].external_id,
                outcome="accept",
                idempotency_key="same-key",
                interaction_id=target,
            )
            results.append(outcome.recorded)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(results) == [False] * 5 + [True]
    assert Interaction.objects.filter(outcome="accept").count() == 1
    accepted = OutcomeCounter.objects.filter(outcome="accept").values_list("n", flat=True)
    assert sum(accepted) == 1
