"""The one way domain models opt into history: `@tracked()` (insert, update and delete events).

pghistory writes the event rows from database triggers, so bulk updates and raw SQL are
recorded too; event tables are append-only (PGHISTORY_APPEND_ONLY). Each row's context holds the
actor, IP, URL and request id set by portal.middleware.AuditContextMiddleware.
"""

import pghistory


def tracked(**kwargs):
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **kwargs)
