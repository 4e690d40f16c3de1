"""The one PDF helper: Django template → WeasyPrint → bytes (see docs/pdf.md).

    from portal.pdf import render_pdf, content_hash
    pdf = render_pdf("pdf/annex1.html", context,
                     stamp={"case_number": "ZJ-JNDS-2025-0137", "version": "v3"})

* Templates extend ``pdf/base.html`` (A4, bordered grid helpers, footer).
* Fonts: ``"PDF Song"`` (宋体-like; weight 700 = 标宋-like), ``"PDF Hei"`` (黑体,
  bold) and ``"PDF Extra"`` (automatic supplement for rare characters), built
  by ``manage.py build_pdf_fonts`` into ``settings.PDF_FONT_DIR``. Without the
  build, rendering still works on the system Noto fonts (slower, logged).
* Resources: only files under the project's ``static/`` (relative URLs such as
  ``pdf/pdf.css`` or ``{% static %}`` URLs) and the font directory can be
  fetched. Everything else (``file:///etc/passwd``,
  ``http://…``, ``data:``) is refused and logged. No attachments are ever
  embedded (``<link rel=attachment>``/``<a rel=attachment>`` are dropped).
* Every page's footer shows case number, version and a content hash.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import logging
import mimetypes
import os
import threading
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string

from portal import fonts

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = PROJECT_DIR / "static"
BASE_URL = STATIC_DIR.as_uri() + "/"
HASH_LENGTH = 12

__all__ = ["RefusedURL", "content_hash", "render_pdf", "sample_context", "url_fetcher"]


# -------------------------------------------------------------- content hash --


class _CanonicalEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder (dates, Decimal, UUID, lazy strings) + sets.

    Anything else (model instances, files …) is refused: a hash of ``str(obj)``
    would not change when the printed content changes. Pass plain data, or a
    ``stamp["content"]`` string / ``stamp["content_hash"]`` instead.
    """

    def default(self, o):
        if isinstance(o, (set, frozenset)):
            return sorted(o, key=lambda v: json.dumps(v, cls=_CanonicalEncoder, sort_keys=True))
        try:
            return super().default(o)
        except TypeError:
            raise TypeError(
                f"content_hash: {type(o).__name__} is not canonical JSON; pass plain data "
                "or stamp={'content': …} / {'content_hash': …}"
            ) from None


def content_hash(context=None, *, content: str | bytes | None = None) -> str:
    """First 12 hex digits of sha256 over ``content`` or the canonical context JSON.

    Canonical JSON: sorted keys, no whitespace, UTF-8, non-ASCII kept as is.
    Store it with the submitted version to match a stamped scan later.
    """
    if content is None:
        content = json.dumps(
            context if context is not None else {},
            cls=_CanonicalEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
        )
    if isinstance(content, str):
        content = content.encode("utf-8")
    return hashlib.sha256(content).hexdigest()[:HASH_LENGTH]


# ---------------------------------------------------------------- URL fetcher --


class RefusedURL(ValueError):
    """Raised (and logged) for every URL outside the allowed files."""


def _allowed_roots() -> tuple[Path, ...]:
    return (Path(os.path.realpath(STATIC_DIR)), Path(os.path.realpath(fonts.font_dir())))


def _static_prefixes() -> tuple[str, ...]:
    static_url = getattr(settings, "STATIC_URL", None) or "/static/"
    prefix = urljoin(BASE_URL, str(static_url))
    return (prefix,) if prefix != BASE_URL else ()


def resolve_url(url: str) -> Path | None:
    """Map ``url`` to an allowed local file, or None if it must be refused."""
    url = url.split("#", 1)[0].split("?", 1)[0]
    path = None
    for prefix in _static_prefixes():  # {% static %} URLs → static/
        if url.startswith(prefix):
            path = STATIC_DIR / unquote(url[len(prefix):])
            break
    if path is None:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(parts.path))
    real = Path(os.path.realpath(path))  # resolves "..", %2e%2e and symlinks
    if not real.is_file():
        return None
    for root in _allowed_roots():
        if real.is_relative_to(root):
            return real
    return None


@lru_cache(maxsize=1)
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        """Serves static/ and the font files from disk; refuses everything else."""

        def fetch(self, url, headers=None):
            path = resolve_url(url)
            if path is None:
                logger.warning("PDF render: refused URL %.200s", url)
                raise RefusedURL(f"URL not allowed in PDFs: {url[:200]}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if mime.startswith("text/"):
                mime += "; charset=utf-8"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

    return SafeURLFetcher


def url_fetcher():
    """A WeasyPrint URL fetcher limited to static/ and PDF_FONT_DIR."""
    return _fetcher_class()(allowed_protocols=("file",), fail_on_errors=False)


# -------------------------------------------------------------------- render --

_local = threading.local()

#: Supplement fonts a shared FontConfiguration may accumulate before it is replaced.
MAX_SHARED_SUPPLEMENTS = 64


def _font_config(signature: str, supplements):
    """One FontConfiguration per thread, reused while the base fonts do not change.

    Registering the @font-face files with fontconfig (copying ~8 MB, scanning
    them) is then paid once per worker thread instead of once per document.
    Supplements accumulate in it; that is safe because every supplement is
    cut from the same Noto face, so whichever one fontconfig picks for a
    character draws the same glyph. The configuration is replaced after
    MAX_SHARED_SUPPLEMENTS to keep fontconfig's font list short.
    """
    from weasyprint.text.fonts import FontConfiguration

    new = {path for _, path in supplements} - getattr(_local, "supplements", set())
    if (
        getattr(_local, "signature", None) != signature
        or len(_local.supplements) + len(new) > MAX_SHARED_SUPPLEMENTS
    ):
        _local.font_config = FontConfiguration()
        _local.signature = signature
        _local.supplements = set()
    _local.supplements |= new
    return _local.font_config


@lru_cache(maxsize=1)
def _warn_without_harfbuzz() -> None:
    if not fonts.harfbuzz_subset_available():
        logger.warning(
            "libharfbuzz-subset is missing: WeasyPrint subsets fonts with fontTools, "
            "≈1 s per PDF instead of ≈0.3 s (apt-get install libharfbuzz-subset0)"
        )


def render_pdf(template_name: str, context: dict, *, stamp: dict | None = None) -> bytes:
    """Render ``template_name`` (extending pdf/base.html) with ``context`` to PDF bytes.

    ``stamp``: ``{"case_number": …, "version": …}`` plus optionally
    ``"content_hash"`` (used verbatim) or ``"content"`` (str/bytes to hash);
    by default the hash is ``content_hash(context)``. The template receives
    it as ``pdf_stamp`` (reserved name) and base.html prints it on every page.
    """
    from weasyprint import CSS, HTML

    started = time.perf_counter()
    stamp = dict(stamp or {})
    digest = stamp.get("content_hash") or content_hash(context, content=stamp.get("content"))
    pdf_stamp = {
        "case_number": stamp.get("case_number") or "—",
        "version": stamp.get("version") if stamp.get("version") not in (None, "") else "—",
        "content_hash": digest,
    }
    html = render_to_string(template_name, {**context, "pdf_stamp": pdf_stamp})

    _warn_without_harfbuzz()
    prepared = fonts.prepared_fonts()
    if prepared is None:
        logger.warning(
            "PDF fonts not built in %s: using the full system Noto fonts (slow). "
            "Run manage.py build_pdf_fonts.", fonts.font_dir(),
        )
        supplements = []
    else:
        # Every character that may be typeset; entities decoded. Markup adds only
        # ASCII, which the base fonts cover anyway.
        supplements = fonts.supplement_fonts(set(html_lib.unescape(html)), prepared)

    fetcher = url_fetcher()
    font_config = _font_config(prepared.signature if prepared else "system", supplements)
    font_css = CSS(
        string=fonts.font_face_css(prepared, supplements),
        font_config=font_config, url_fetcher=fetcher,
    )
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        stylesheets=[font_css], font_config=font_config,
    )
    # Never embed files: WeasyPrint has no switch for <link rel=attachment> and
    # <a rel=attachment>, so drop them from the laid-out document.
    document.metadata.attachments = []
    for page in document.pages:
        page.links[:] = [link for link in page.links if link[0] != "attachment"]
    pdf = document.write_pdf(attachments=None)
    logger.debug(
        "PDF %s: %d pages, %d bytes, %.2f s", template_name, len(document.pages), len(pdf),
        time.perf_counter() - started,
    )
    return pdf


# -------------------------------------------------------------------- sample --


def sample_context() -> dict:
    """Realistic Annex-1-shaped data for templates/pdf/sample.html (tests, bench).

    Contains the rare name characters 堃 喆 (common-name list) and 䶮 𠮷
    (per-document supplement).
    """
    members = [
        ("王喆", "高级技师", 41, "主持数控机床主轴热变形补偿技术攻关，加工精度提升百分之三十。"),
        ("李䶮", "技师", 35, "完成船用柴油机缸盖加工工艺改进，年节约成本八十余万元。"),
        ("𠮷田晓", "高级技师", 46, "获评“镇江工匠”，带徒十二名，其中三人取得高级技师资格。"),
        ("赵子堃", "技师", 32, "参与五轴联动加工中心编程规范编写，形成企业标准两项。"),
        ("孙丽娟", "高级工", 29, "在江苏省职业技能大赛数控铣项目中获得二等奖。"),
        ("周建国", "高级技师", 52, "长期从事精密模具装配，解决多项关键零件配合难题。"),
        ("吴晓东", "技师", 38, "牵头开展智能产线调试，设备综合效率提高百分之十五。"),
        ("郑海燕", "高级工", 27, "参与省级技能大师工作室技术交流活动六次。"),
        ("冯志强", "技师", 44, "改进刀具管理流程，刀具消耗同比下降百分之十二。"),
        ("陈思远", "高级技师", 48, "取得实用新型专利三项，成果在集团内部推广应用。"),
        ("褚卫东", "技师", 36, "负责工作室培训课程开发，完成教学视频二十余部。"),
        ("卫晓琳", "高级工", 26, "获镇江市职业技能竞赛车工项目第一名。"),
        ("蒋文博", "技师", 40, "完成液压系统故障诊断专家库建设，缩短停机时间。"),
        ("沈佳怡", "高级工", 28, "参与企业新型学徒制培养，指导学徒八名全部结业。"),
        ("韩立新", "高级技师", 50, "主持技术革新项目五项，累计创造经济效益三百余万元。"),
        ("杨子涵", "技师", 33, "参与国家标准起草讨论，提出修改意见十余条。"),
        ("朱明辉", "技师", 39, "开展焊接机器人离线编程应用，焊接合格率达百分之九十九点五。"),
        ("秦雅琴", "高级工", 30, "协助完成工作室日常管理、台账整理与成果申报工作。"),
    ]
    awards = [
        ("大型船用曲轴精密加工技术", "镇江市科学技术进步奖", "镇江市人民政府", "二等奖", 1, 2024),
        ("数控机床主轴热变形补偿", "江苏省职工技术创新成果", "江苏省总工会", "一等奖", 1, 2023),
        ("五轴加工中心编程规范", "企业技术革新奖", "江苏某重工集团有限公司", "特等奖", 1, 2023),
        ("精密模具快速装配工装", "实用新型专利", "国家知识产权局", "—", 1, 2022),
        ("全国技术能手", "全国技术能手", "人力资源社会保障部", "国家级", 1, 2021),
        ("江苏工匠", "江苏工匠", "江苏省人民政府", "省级", 1, 2022),
        ("镇江工匠", "镇江工匠", "镇江市人民政府", "市级", 1, 2020),
        ("镇江市有突出贡献的专家", "有突出贡献中青年专家", "镇江市人民政府", "市级", 1, 2019),
        ("数控铣工职业技能竞赛", "江苏省职业技能大赛", "江苏省人力资源和社会保障厅", "一等奖", 1, 2018),
        ("高效切削参数优化", "行业职工技术创新成果", "中国机械冶金建材职工技术协会", "二等奖", 2, 2021),
        ("液压系统智能诊断平台", "职工优秀技术创新成果", "镇江市总工会", "一等奖", 1, 2021),
        ("焊接变形控制工艺", "职工“五小”竞赛", "江苏省总工会", "二等奖", 2, 2020),
        ("刀具全生命周期管理", "合理化建议优秀项目", "镇江市总工会", "优秀奖", 1, 2019),
        ("职业技能培训教材编写", "优秀培训教材", "江苏省职业技能鉴定中心", "三等奖", 1, 2019),
        ("新型学徒制培养", "新型学徒制优秀导师", "镇江市人力资源和社会保障局", "市级", 1, 2023),
        ("大型铸件变形控制", "镇江市科学技术进步奖", "镇江市人民政府", "三等奖", 2, 2018),
        ("智能产线调试方法", "发明专利", "国家知识产权局", "—", 1, 2024),
        ("绝技绝活展示", "镇江市首席技师", "镇江市人力资源和社会保障局", "市级", 1, 2017),
        ("职业技能大赛裁判", "优秀裁判员", "江苏省人力资源和社会保障厅", "省级", 1, 2022),
        ("职工技术攻关", "职工创新补助资金项目", "中华全国总工会", "国家级", 1, 2024),
        ("工艺标准化", "机械工业科技进步奖", "江苏省机械工业联合会", "三等奖", 3, 2020),
        ("师带徒活动", "“名师带高徒”优秀师徒", "镇江市总工会", "市级", 1, 2021),
    ]
    long_para = (
        "张堃同志自一九九八年参加工作以来，始终扎根生产一线，潜心钻研数控加工技术，先后主持和参与"
        "技术攻关项目二十余项。针对大型船用曲轴加工过程中存在的主轴热变形大、尺寸一致性差等问题，"
        "他带领团队反复试验，建立了温度场与加工误差之间的补偿模型，使关键尺寸合格率由百分之九十二"
        "提高到百分之九十九点六，每年为企业节约返修成本一百二十余万元。该成果获镇江市科学技术进步奖"
        "二等奖，并在集团下属四家企业推广应用。在技能人才培养方面，他坚持“手把手、面对面、心贴心”的"
        "带徒方式，编写《数控铣削加工实训手册》等校本教材三部，累计培养高级技师六名、技师十八名、"
        "高级工四十余名，所带徒弟中有两人获得“江苏省技术能手”称号，一人获得“镇江工匠”称号。"
        "他还积极参与职业院校专业建设，担任镇江市高技能人才培养示范基地兼职教师，把企业真实项目"
        "转化为教学案例，推动产教融合、校企合作取得实效。"
    )
    return {
        "application": {
            "number": "ZJ-JNDS-2025-0137",
            "unit": "江苏某重工集团有限公司",
            "filled_on": "二〇二五年五月二十日",
        },
        "studio": {
            "name": "张堃数控加工技能大师工作室",
            "field": "数控加工、精密制造、智能产线调试",
            "location": "镇江市京口区学府路301号实训楼二层",
            "area": "260 平方米",
        },
        "leader": {
            "name": "张堃",
            "gender": "男",
            "ethnicity": "汉族",
            "political_status": "中共党员",
            "employer": "江苏某重工集团有限公司精密加工分厂",
            "phone": "0511-85340338",
            "education": "大学本科（工学学士）",
            "work_since": "1998年7月",
            "occupation": "数控铣工",
            "position": "分厂副厂长",
            "qualification": "高级技师（一级）",
            "id_number": "32110219780315243X",
            "address": "江苏省镇江市京口区运河路79号",
            "postcode": "212000",
            "achievements": [
                long_para,
                "近三年来，他围绕企业数字化转型需求，牵头完成五轴联动加工中心编程规范、刀具全生命周期管理"
                "系统和液压系统智能诊断平台三项重点攻关任务，形成企业标准两项、作业指导书十四份，取得发明"
                "专利一项、实用新型专利三项。其中刀具全生命周期管理系统上线后，刀具消耗同比下降百分之十二，"
                "设备非计划停机时间减少百分之二十，相关经验在全市机械行业现场交流会上作专题介绍。",
                "二〇二四年，他作为主要负责人承担中华全国总工会职工创新补助资金项目，组织工作室成员开展"
                "“金点子”征集活动，共收集合理化建议一百三十六条，采纳实施八十九条，创造经济效益三百余万元。",
            ],
        },
        "change": {
            "previous": "无",
            "reasons": [
                {"label": "退休", "checked": False},
                {"label": "调离", "checked": False},
                {"label": "其它", "checked": False},
            ],
        },
        "members": [
            {"name": n, "qualification": q, "age": a, "achievement": t} for n, q, a, t in members
        ],
        "awards": [
            {"project": p, "title": t, "issuer": i, "level": lv, "rank": r, "year": y}
            for p, t, i, lv, r, y in awards
        ],
        "sections": [
            {
                "label": "技能大师\n所在单位简介",
                "hint": "（包括生产、科研以及高技能人才队伍情况）",
                "paragraphs": [
                    "江苏某重工集团有限公司始建于一九五八年，是国家高新技术企业、江苏省智能制造示范工厂，"
                    "主要从事大型船用柴油机关键零部件、工程机械液压件的研发与制造，现有职工二千一百余人，"
                    "其中专业技术人员四百六十人，高技能人才七百八十人，高技能人才占技能劳动者比例达百分之"
                    "四十一。公司建有省级企业技术中心、省级工程技术研究中心和市级高技能人才培养示范基地，"
                    "近五年累计投入研发经费三点二亿元，获授权专利二百余项。",
                    "公司高度重视技能人才队伍建设，建立了首席技师、技能大师、技术能手多层级成长通道，"
                    "实行技能等级与薪酬待遇挂钩制度，每年安排专项资金用于职工技能培训和技能竞赛。",
                ],
            },
            {
                "label": "所在单位\n对技能大师\n工作室\n支持措施",
                "hint": "",
                "paragraphs": [
                    "一是提供场地保障。公司在实训楼二层划出二百六十平方米独立场地作为工作室用房，配备五轴"
                    "联动加工中心、三坐标测量仪等设备，设备原值八百余万元。二是落实经费保障。公司每年安排"
                    "不少于三十万元专项经费，用于工作室技术攻关、人才培养和交流活动。三是完善激励机制。"
                    "对工作室取得的技术革新成果按创效额的百分之五给予奖励，对带徒成效突出的导师给予津贴。",
                    "四是加强组织领导。公司成立由分管副总经理任组长的工作室建设领导小组，人力资源部、技术中心、"
                    "生产管理部等部门协同配合，定期研究解决工作室建设中的困难和问题。",
                ],
            },
            {
                "label": "技能大师\n工作室今后\n工作开展计划",
                "hint": "",
                "paragraphs": [
                    "（一）技术攻关方面：围绕船用曲轴、液压阀体等关键零件加工，每年确定不少于三项攻关课题，"
                    "力争三年内形成可推广的工艺成果五项以上，申请发明专利两项。",
                    "（二）人才培养方面：实行“一师多徒、一徒多师”培养模式，每年培养技师以上高技能人才五名以上，"
                    "组织技能提升培训不少于二百人次，积极选派优秀徒弟参加省、市职业技能竞赛。",
                    "（三）交流推广方面：每年举办技术交流活动不少于四次，与职业院校共建课程两门，"
                    "通过网络课堂向全市同行开放工作室优秀教学资源，发挥示范引领和辐射带动作用。",
                ],
            },
        ],
        "opinions": [
            {"label": "申报单位意见", "text": "情况属实，同意推荐申报镇江市技能大师工作室。",
             "signature": "", "year": "二五", "month": "五", "day": "二十"},
            {"label": "辖市区人力\n资源和社会\n保障局\n（主管部门）\n审核推荐意见", "text": "",
             "signature": "", "year": "", "month": "", "day": ""},
            {"label": "市评审\n专家意见", "text": "", "signature": "专家组长签字：",
             "year": "", "month": "", "day": ""},
            {"label": "市人力资源和\n社会保障局\n审批意见", "text": "", "signature": "",
             "year": "", "month": "", "day": ""},
        ],
        "note": "本表一式两份，统一使用A4纸装订成册；获奖证书等证明材料复印件另附。",
    }
