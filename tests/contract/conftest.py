"""Fixtures of the Store contract: every test runs once per registered backend (tests/stores.py).

``reopen`` builds another instance on the test's database, standing in for a
restart or a second process; ``store`` is a fresh, open one.
"""

from tests.stores import fresh_store, reopen  # noqa: F401 - fixtures
