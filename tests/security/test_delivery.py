"""security.md #30: safe file delivery.

Every file the portal hands out (evidence download, Annex 1 PDF, xlsx exports; found in the URL
policy as the routes whose content type is not HTML, so a new file route is covered) is sent as
an attachment with an RFC 5987 UTF-8 name, `X-Content-Type-Options: nosniff` and no-store
caching. Stored evidence files are reachable only through the permission view: guessing their
storage path under any URL prefix gives 404, and MEDIA_ROOT lies outside every directory the
portal serves (static root, static source dirs, WhiteNoise root), in the test and the
production settings.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client

from studios.models import Attachment
from tests.helpers import login
from tests.security.routes import route_paths
from tests.security.test_web import PRODUCTION_ENV

pytestmark = pytest.mark.django_db

# `attachment`, optionally an ASCII fallback name, then the percent-encoded UTF-8 name only.
DISPOSITION = re.compile(
    r"attachment(?:; filename=\"[\x20-\x21\x23-\x7e]*\")?; filename\*=UTF-8''([A-Za-z0-9%._~!$&'*+^`|-]+)")
_figures: dict[str, object] = {}
PREFERRED = ("unit", "channel", "city_officer", "city_approver", "auditor")


def file_routes(world):
    return route_paths(world, lambda name, r: not r.content_type.startswith("text/"))


def header_problems(response) -> list[str]:
    problems = []
    disposition = response.get("Content-Disposition", "")
    match = DISPOSITION.fullmatch(disposition)
    if not match:
        problems.append(f"Content-Disposition {disposition!r}")
    elif not unquote(match[1], errors="strict"):
        problems.append("empty file name")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options {response.get('X-Content-Type-Options')!r}")
    cache = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    if not {"no-store", "private"} <= cache:
        problems.append(f"Cache-Control {response.get('Cache-Control')!r}")
    if response.get("Content-Type", "").startswith(("text/", "image/svg")):
        problems.append(f"renderable Content-Type {response.get('Content-Type')!r}")
    return problems


def _persona(route) -> str:
    return next((p for p in PREFERRED if p in route.allow), sorted(route.allow)[0])


def test_every_file_response_has_safe_headers(world):
    pairs = file_routes(world)
    names = {route.name for route, _path in pairs}
    assert {"studios:attachment-download", "studios:application-pdf", "portal:unit-export",
            "reviews:recommendation-export"} <= names
    checked, problems = 0, []
    for route, path in pairs:
        client = login(Client(), world.user(_persona(route)))
        response = client.get(path)
        assert response.status_code == 200, f"{route.name}: {response.status_code}"
        assert response["Content-Type"] == route.content_type
        problems += [f"{route.name}: {p}" for p in header_problems(response)]
        checked += 1
    # An uploaded name with quotes, semicolons, CR/LF and Chinese stays inside filename*.
    hostile = '证书"; filename=evil.html\r\nX-Injected: 1;.pdf'
    evidence = world.shown_evidence
    Attachment.objects.filter(pk=evidence.pk).update(original_name=hostile)
    response = login(Client(), world.user("unit")).get(f"/studios/attachments/{evidence.pk}/")
    assert response.status_code == 200
    problems += [f"hostile name: {p}" for p in header_problems(response)]
    checked += 1
    wrong = {p.split(":", 1)[0] for p in problems}
    _figures["headers"] = f"{checked - len(wrong)}/{checked}"
    print(f"headers: {checked} file responses ({', '.join(sorted(names))} + hostile name); problems: {problems}")
    assert problems == []
    assert "X-Injected" not in {k for k, _v in response.items()}
    assert unquote(DISPOSITION.fullmatch(response["Content-Disposition"])[1]) == hostile


def _guesses(name: str) -> list[str]:
    media_rel = os.path.relpath(settings.MEDIA_ROOT, settings.BASE_DIR)
    return [
        f"/media/{name}", f"{settings.MEDIA_URL}{name}", f"/{name}", f"/static/{name}",
        f"/static/../{media_rel}/{name}", f"/static/%2e%2e/{media_rel}/{name}", f"/{media_rel}/{name}",
        f"/media/../{media_rel}/{name}", f"/studios/{name}", f"/studios/attachments/{name}",
    ]


def test_stored_files_are_not_reachable_by_path(world):
    world_files = file_routes(world)  # builds the evidence files of the studios policy world
    assert world_files
    secret = b"%PDF-1.4 stored-evidence-marker-7f3a"
    evidence = world.shown_evidence
    evidence.file.save("z.pdf", ContentFile(secret), save=True)
    stored = evidence.file.name
    raw = Path(evidence.file.path).read_bytes()  # on disk: sealed (portal.storage), not the PDF
    assert evidence.file.storage.open(stored).read() == secret and raw != secret
    assert not stored.endswith(".pdf") and "z.pdf" not in stored, "stored under a generated name"
    clients = {"anonymous": Client(), "unit": login(Client(), world.user("unit")),
               "city_officer": login(Client(), world.user("city_officer"))}
    reachable = []
    tried = 0
    for persona, client in clients.items():
        for path in _guesses(stored):
            response = client.get(path)
            tried += 1
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if response.status_code != 404 or secret in body or raw in body:
                reachable.append(f"{path} as {persona}: {response.status_code}")
    print(f"guessed paths: {tried} requests, {len(reachable)} not 404")
    _figures["reachable"] = len(reachable)
    assert reachable == []


def _served_dirs(values: dict) -> list[Path]:
    dirs = [values["STATIC_ROOT"], values.get("WHITENOISE_ROOT")]
    dirs += [d[1] if isinstance(d, (list, tuple)) else d for d in values["STATICFILES_DIRS"]]
    return [Path(d).resolve() for d in dirs if d]


def _outside(media: Path, served: list[Path]) -> list[str]:
    return [str(d) for d in served if media == d or d in media.parents or media in d.parents]


def test_media_root_is_outside_every_served_directory():
    values = {name: getattr(settings, name, None) for name in ("STATIC_ROOT", "WHITENOISE_ROOT", "STATICFILES_DIRS")}
    media = Path(settings.MEDIA_ROOT).resolve()
    assert _outside(media, _served_dirs(values)) == []
    assert not settings.MEDIA_URL.startswith(settings.STATIC_URL)
    # Production settings (the ones that serve static files through WhiteNoise).
    code = ("import django, json; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({n: (str(getattr(s, n)) if isinstance(getattr(s, n, None), os.PathLike) else "
            "getattr(s, n, None)) for n in ('STATIC_ROOT', 'WHITENOISE_ROOT', 'MEDIA_ROOT', 'MEDIA_URL', "
            "'STATIC_URL')} | {'STATICFILES_DIRS': [[str(p) for p in d] if isinstance(d, tuple) else str(d) "
            "for d in s.STATICFILES_DIRS]}))")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import os; {code}"], cwd=settings.BASE_DIR,
        env={**os.environ, **PRODUCTION_ENV}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    production = json.loads(result.stdout)
    assert production["STATIC_ROOT"], "production collects static files"
    assert _outside(Path(production["MEDIA_ROOT"]).resolve(), _served_dirs(production)) == []
    assert not production["MEDIA_URL"].startswith(production["STATIC_URL"])


def test_figure_30():
    if not {"headers", "reachable"} <= set(_figures):
        pytest.skip("run the whole module for the figure")
    print(f"FIGURE #30: {_figures['reachable']} files reachable directly; headers correct {_figures['headers']}")
