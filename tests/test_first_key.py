"""The service's first start creates one admin key, once (real SQLite)."""

from __future__ import annotations

from api.storage import FIRST_KEY_NAME, Store, ensure_first_key


def test_the_first_key_is_an_admin_key_created_only_when_none_is_active(tmp_path):
    database = f"sqlite:///{tmp_path / 'keys.db'}"
    secret = ensure_first_key(database)
    assert secret and ensure_first_key(database) is None
    store = Store(database)
    try:
        key = store.verify_key(secret)
        assert key.name == FIRST_KEY_NAME and key.role == "admin"
        store.revoke_key(FIRST_KEY_NAME)
    finally:
        store.engine.dispose()
    assert ensure_first_key(database)  # every key revoked: a new first key
