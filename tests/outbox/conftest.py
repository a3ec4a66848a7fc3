"""The outbox's tests run on every registered store backend (tests/stores.py)."""

from tests.slack.conftest import fake  # noqa: F401 - the fake Slack, for the Slack repros
from tests.stores import fresh_store, reopen  # noqa: F401 - fixtures: a store of each backend
