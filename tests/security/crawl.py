"""Crawl helpers shared by the security scans over a populated world (#23 masking, #27 XSS).

- `Crawler(world)`: one signed-in client per persona, the GET routes of the URL policy each
  persona may open (`tests.security.routes.route_paths`, whose world hooks run exactly once),
  and `crawl(persona, extra)`: those routes plus `extra`, then the same-site links found, HTML
  only. Discovered links of one shape (digits replaced, e.g. /reference/N/edit/) are followed at
  most `per_shape` times: the 120 reference-item edit pages are one template. Files (exports,
  PDFs, evidence downloads) are collected, not fetched: `Crawl.files`.
- `parse_html(text)`: lxml's HTML parser (libxml2, C speed), which decodes entities the way a
  browser does, so a check on elements and attributes sees what a browser would build.
- `xlsx_cells(content)`, `pdf_text(content)`: the text of an export or a PDF.
"""

from __future__ import annotations

import io
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
from django.test import Client

from tests.helpers import PERSONAS, World, login
from tests.security.routes import route_paths

# Never followed: static files, the unserved media prefix, the Django admin, sign-out.
SKIP = re.compile(r"^/(static|media-not-served|django-admin)/|/logout/")
# Downloads: collected by the crawl, fetched by the scans that need them.
FILE_LINK = re.compile(r"/export/|/pdf/|\.pdf$|^/studios/attachments/\d+/$")


@dataclass
class Page:
    persona: str
    path: str
    status: int
    content_type: str
    text: str

    @property
    def is_html(self) -> bool:
        return self.status == 200 and self.content_type.startswith("text/html")


@dataclass
class Crawl:
    pages: list[Page] = field(default_factory=list)
    files: set[str] = field(default_factory=set)


class Crawler:
    """Clients and start paths for every persona of `world` (see the module docstring)."""

    def __init__(self, world: World, *, max_pages: int = 150, per_shape: int = 5):
        self.world = world
        self.max_pages = max_pages
        self.per_shape = per_shape
        routes = route_paths(world, lambda name, r: "GET" in r.methods)
        self.get_routes = {persona: [path for r, path in routes if persona in r.allow] for persona in PERSONAS}
        self._clients: dict[str, Client] = {}

    def client(self, persona: str) -> Client:
        """The persona's signed-in client (anonymous: not signed in), created once."""
        if persona not in self._clients:
            client = Client()
            user = self.world.user(persona)
            if user is not None:
                login(client, user)
            self._clients[persona] = client
        return self._clients[persona]

    def crawl(self, persona: str, extra: list[str] = ()) -> Crawl:
        """GET the persona's routes, `extra` and every same-site link found (HTML pages only,
        at most max_pages), as the persona."""
        client = self.client(persona)
        result = Crawl()
        starts = ["/", "/dashboard/", *self.get_routes[persona], *extra]
        queue = deque(starts)
        seen: set[str] = set()
        shapes: Counter = Counter()
        while queue and len(seen) < self.max_pages:
            path = queue.popleft()
            if path in seen or SKIP.search(path):
                continue
            if FILE_LINK.search(path.split("?", 1)[0]):
                result.files.add(path)
                continue
            shape = re.sub(r"\d+", "N", path)
            if path not in starts and shapes[shape] >= self.per_shape:
                continue
            shapes[shape] += 1
            seen.add(path)
            response = client.get(path)
            page = Page(persona, path, response.status_code, response.get("Content-Type", ""),
                        response.content.decode("utf-8", errors="replace"))
            result.pages.append(page)
            if page.is_html:
                for href in links(parse_html(page.text)):
                    parts = urlsplit(urljoin(path, href))
                    if not parts.netloc and parts.path.startswith("/"):
                        queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return result


def parse_html(text: str):
    """The document (or fragment, wrapped in html/body) as an lxml tree."""
    if not text.strip():
        text = "<html></html>"
    return lxml.html.document_fromstring(text)


def links(tree) -> list[str]:
    return [el.get("href") for el in tree.iter("a") if el.get("href")]


def page_strings(tree) -> list[str]:
    """Every text node and attribute value of a parsed page (entities decoded)."""
    found = []
    for el in tree.iter():
        if isinstance(el.tag, str):
            found.extend(v for v in el.attrib.values())
        if el.text:
            found.append(el.text)
        if el.tail:
            found.append(el.tail)
    return found


def xlsx_cells(content: bytes) -> list:
    """Every non-empty cell of every sheet of an xlsx file (openpyxl cells)."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def pdf_text(content: bytes) -> str:
    """The text layer of a PDF (pypdf), pages joined by newlines."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
