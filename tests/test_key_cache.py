"""Verified API keys are remembered for a short time, and revocation is honoured within it."""

from __future__ import annotations

import time

from sqlalchemy import event

from api import storage
from api.storage import Store


def _queries(store: Store) -> list[str]:
    seen: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_a_verified_key_is_served_from_memory_and_revoking_it_forgets_it_at_once(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'keys.db'}")
    record, secret = store.create_key("erp", role="analyst")
    queries = _queries(store)
    assert store.cached_key(secret) is None  # not verified yet
    assert store.verify_key(secret).id == record.id
    looked_up = len(queries)
    assert store.verify_key(secret).role == "analyst" and len(queries) == looked_up  # no second query
    assert store.cached_key(secret).id == record.id and len(queries) == looked_up
    assert store.verify_key("du_not-a-key") is None and store.cached_key("du_not-a-key") is None
    assert store.revoke_key("erp") == 1
    assert store.cached_key(secret) is None
    assert store.verify_key(secret) is None


def test_a_key_revoked_by_another_process_stops_working_within_the_cache_time(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "KEY_CACHE_SECONDS", 0.5)
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    service, command_line = Store(url), Store(url)
    _, secret = service.create_key("erp")
    assert service.verify_key(secret) is not None
    assert command_line.revoke_key("erp") == 1  # like `dualuse keys revoke erp`, which the service does not see
    revoked = time.monotonic()
    while service.verify_key(secret) is not None:
        assert time.monotonic() - revoked < storage.KEY_CACHE_SECONDS + 0.2, "a revoked key still works"
        time.sleep(0.02)
    assert command_line.verify_key(secret) is None
