"""Project-wide fixtures: the persona world, a clean cache, and data-migration rows kept alive.

Transactional tests (live_server, transactional_db) end with a TRUNCATE of every table, which
also removes the rows the data migrations loaded (channels, reference lists). They are restored
after each such test and once at the start of the session (a --reuse-db database may have been
left flushed by an interrupted run). Browser tests run last.
"""

import pytest
from django.core.cache import cache
from pytest_django.plugin import blocking_manager_key

from tests.helpers import World, build_world


def _seed_operations() -> list:
    """RunPython operations of the data migrations named *_seed_*, in migration order.

    Convention: such migrations are idempotent upserts (update_or_create), so running them again
    over existing rows changes nothing.
    """
    from django.db.migrations import RunPython
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    plan: list = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        plan.extend(key for key in loader.graph.forwards_plan(leaf) if key not in plan)
    return [
        op.code
        for key in plan
        if "_seed_" in key[1]
        for op in loader.graph.nodes[key].operations
        if isinstance(op, RunPython)
    ]


def restore_migration_data() -> None:
    """Re-load the rows the seed data migrations load (channels, reference lists …)."""
    from django.apps import apps as django_apps

    for code in _seed_operations():
        code(django_apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        restore_migration_data()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    # After every fixture is torn down, so after the flush of a transactional test.
    result = yield
    if _is_transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            restore_migration_data()
    return result


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db) -> World:
    """Units in two channels plus a direct-to-city unit, one user per persona, a published campaign."""
    return build_world()


def pytest_collection_modifyitems(config, items):
    """Run browser tests last (their transactional flush is the slowest thing to undo)."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
