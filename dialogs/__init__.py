"""The dialog engine: checklists as data, cases as state plus an append-only history.

Nothing in this package imports a chat platform or a web framework.
"""
