"""Signal receivers of the studios app: only where no service code runs (see docs/architecture.md)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from studios.models import Attachment


@receiver(post_delete, sender=Attachment, dispatch_uid="studios_attachment_file_cleanup")
def attachment_file_cleanup(sender, instance: Attachment, **kwargs) -> None:
    """Remove the stored file once the deletion of its row is committed (security.md #32).

    Covers every ORM delete: attachment_delete, anonymisation, and cascades from a deleted
    application. If the transaction rolls back the row is back and so is its file. This is the
    one signal receiver besides the login audit ones: a cascade runs no service code.
    """
    name = instance.file.name
    if not name:
        return
    storage = instance.file.storage
    transaction.on_commit(lambda: storage.delete(name), using=kwargs.get("using"))
