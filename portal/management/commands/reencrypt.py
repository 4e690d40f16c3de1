"""Rotate every encrypted column (portal.crypto.EncryptedTextField) to the current key.

Put the new key first in PORTAL_FIELD_KEYS and keep the old ones after it, run this command, then
remove the old keys. Rows are rewritten in SQL with every pgtrigger/pghistory trigger ignored:
the plaintext does not change, so no history event is written, and the append-only history
tables (which hold copies of the ciphertext) are rotated too. Stored files (evidence scans,
sealed by portal.storage.EncryptedFileSystemStorage) are resealed under the current key, and files
written before encryption was switched on are sealed. One CONFIG audit row records it.
"""

from collections import defaultdict

import pgtrigger
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from portal import crypto
from portal.crypto import EncryptedTextField, current_key_id, decrypt, encrypt
from portal.enums import AuditAction
from portal.services import audit_record


def encrypted_columns() -> dict:
    found = defaultdict(list)
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found[model].append(field)
    return found


def stale_count(model, field, kid: str) -> int:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {qn(model._meta.db_table)} WHERE {qn(field.column)} <> '' "  # noqa: S608
            f"AND split_part({qn(field.column)}, ':', 1) <> %s", [kid],
        )
        return cursor.fetchone()[0]


class Command(BaseCommand):
    help = "Re-encrypt every EncryptedTextField column (history tables included) under the current key."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count the rows still on old keys")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, dry_run=False, batch=500, **options):
        kid = current_key_id()
        qn = connection.ops.quote_name
        report = {}
        for model, fields in encrypted_columns().items():
            table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
            for field in fields:
                label = f"{model._meta.label}.{field.name}"
                if dry_run:
                    report[label] = stale_count(model, field, kid)
                    continue
                col = qn(field.column)
                done = 0
                while True:
                    with transaction.atomic(), pgtrigger.ignore(), connection.cursor() as cursor:
                        cursor.execute(
                            f"SELECT {pk}, {col} FROM {table} WHERE {col} <> '' "  # noqa: S608
                            f"AND split_part({col}, ':', 1) <> %s ORDER BY {pk} LIMIT %s FOR UPDATE",
                            [kid, batch],
                        )
                        rows = cursor.fetchall()
                        for row_pk, token in rows:
                            cursor.execute(f"UPDATE {table} SET {col} = %s WHERE {pk} = %s",  # noqa: S608
                                           [encrypt(decrypt(token)), row_pk])
                    done += len(rows)
                    if len(rows) < batch:
                        break
                report[label] = done
        report["files"] = self.rotate_files(dry_run, kid)
        total = sum(report.values())
        for label, count in sorted(report.items()):
            self.stdout.write(f"  {label}: {count}")
        if dry_run:
            self.stdout.write(f"{total} values not yet on key {kid}")
            return
        audit_record(action=AuditAction.CONFIG, detail={"op": "reencrypt", "kid": kid, "rows": report})
        self.stdout.write(self.style.SUCCESS(f"re-encrypted {total} values to key {kid}"))

    def rotate_files(self, dry_run: bool, kid: str) -> int:
        """Files of every FileField on a storage that seals them: reseal those not on `kid`. History
        models (pghistory) name the same files, so each stored file is counted once."""
        seen: set[tuple[int, str]] = set()
        count = 0
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.FileField) or not hasattr(field.storage, "reseal"):
                    continue
                for name in model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True):
                    key = (id(field.storage), name)
                    if key in seen or not field.storage.exists(name):
                        continue
                    seen.add(key)
                    if dry_run:
                        blob = field.storage.read_raw(name)
                        count += not (crypto.is_sealed(blob) and crypto.sealed_key_id(blob) == kid)
                    else:
                        count += field.storage.reseal(name)
        return count
