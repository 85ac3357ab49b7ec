"""Content cues: soft-404 titles/headings, parking pages, bot challenges, login walls.

Pure. Each cue becomes a signal string `family:kind[:detail]` stored with the
observation, so a past check can be re-classified when these lists improve.
Soft-404 cues are read from the title and headings only: a page that merely
*mentions* "404" or "not found" in its text is not an error page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from audit.check.bounds import cache_short
from audit.check.fingerprint import PageText
from audit.check.placeholders import TINY

# -- soft 404: whole phrases, per language --------------------------------
_SOFT404: dict[str, tuple[str, ...]] = {
    "en": (
        r"page not found",
        r"404 not found",
        r"^not found$",
        r"\b(?:error|err)[\s:#-]*404\b",
        r"\b404[\s:-]*(?:error|page)\b",
        r"^\W*404\W*$",
        r"\b(?:page|document|file|article|resource|content|url)\b[^.]{0,40}"
        r"\b(?:could not|cannot|can't|couldn't|can not) be found",
        r"\b(?:page|document|file|article)\b[^.]{0,30}\b(?:does not|doesn't|no longer) exists?\b",
        r"\bpage (?:is )?(?:missing|gone|unavailable)\b",
        r"\bno such page\b",
        r"\bnothing (?:was )?found\b",
        r"\bwe can(?:no|')t find (?:the|that|this) page\b",
        r"\b404\b[^.]{0,40}\b(?:not found|missing|does not exist)\b",
        r"^\W*(?:error|oops!?|whoops!?)\W*$",
    ),
    "ru": (
        r"страни[цч][аы]? не найден",
        r"не найдена страница",
        r"ошибка[\s:#-]*404",
        r"404[\s:-]*ошибка",
        r"страни[цч][аы]? (?:не существует|удален|отсутствует|недоступн)",
        r"(?:документ|материал|файл|запись|новость|раздел)[^.]{0,20} не найден",
        r"запрашиваем\w* (?:страниц|документ|материал|ресурс)\w*[^.]{0,30} "
        r"не (?:найден|существует)",
        r"^\W*не найден[оа]?\W*$",
    ),
    "uk": (r"сторінк[уаи] не знайден", r"помилка[\s:#-]*404"),
    "fr": (
        r"page (?:introuvable|non trouv[ée]e|inexistante)",
        r"erreur[\s:#-]*404",
        r"(?:cette|la) page (?:demand[ée]e )?n'existe (?:pas|plus)",
        r"\bintrouvable\b",
        r"document (?:introuvable|non trouv[ée])",
    ),
    "de": (
        r"seite (?:wurde )?nicht gefunden",
        r"fehler[\s:#-]*404",
        r"seite existiert nicht",
        r"(?:dokument|datei|inhalt) (?:wurde )?nicht gefunden",
        r"^\W*nicht gefunden\W*$",
    ),
    "es": (
        r"p[áa]gina no (?:encontrada|existe|disponible)",
        r"error[\s:#-]*404",
        r"no se (?:ha podido|pudo|puede) encontrar (?:la|el) (?:p[áa]gina|documento)",
        r"(?:la|esta) p[áa]gina (?:que buscas |solicitada )?no existe",
    ),
    "it": (r"pagina non trovata", r"errore[\s:#-]*404"),
    "pl": (r"nie znaleziono strony", r"strona nie (?:istnieje|zosta[łl]a znaleziona)"),
    "pt": (r"p[áa]gina n[ãa]o encontrada",),
    "nl": (r"pagina niet gevonden",),
    "tr": (r"sayfa bulunamad",),
    "zh": (r"页面不存在", r"找不到页面", r"无法找到该页"),
    "ja": (r"ページが見つかりません",),
}
# English last: its generic patterns ("404 - page") also match other languages' titles.
_SOFT404_RE = [
    (lang, re.compile("|".join(p), re.IGNORECASE))
    for lang, p in sorted(_SOFT404.items(), key=lambda item: item[0] == "en")
]
# All languages in one pass; the per-language patterns above then name the language.
_SOFT404_ANY = re.compile("|".join(f"(?:{p.pattern})" for _, p in _SOFT404_RE), re.IGNORECASE)
# Every pattern above contains one of these: substring tests (~1 µs) spare the
# big alternation (~20 µs) on the titles and headings of ordinary pages.
_SOFT404_KEYS = (
    "404", "found", "exist", "missing", "gone", "unavailable", "no such", "find", "error",
    "oops", "whoops", "найден", "существ", "удален", "отсутств", "недоступ", "знайден",
    "introuvable", "trouv", "inexistant", "gefunden", "existiert", "encontr", "disponible",
    "trovata", "znalezion", "istnieje", "bulunamad", "gevonden", "不存在", "找不到", "无法找到",
    "見つかりません",
)  # fmt: skip

# -- parking, for sale, expired -------------------------------------------
PARKING_HOSTS = (
    "sedo.com",
    "sedoparking.com",
    "dan.com",
    "afternic.com",
    "hugedomains.com",
    "bodis.com",
    "parkingcrew.net",
    "above.com",
    "undeveloped.com",
    "domainmarket.com",
    "buydomains.com",
    "parklogic.com",
    "cashparking.com",
    "forsale.godaddy.com",
    "domainrecover.com",
    "uniregistrymarket.link",
)
_PARKED_TEXT = re.compile(
    "|".join(
        (
            r"(?:this|the) domain(?: name)?[^.<]{0,60}(?:is|may be) for sale",
            r"buy this domain",
            r"domain (?:is )?parked",
            r"parked (?:domain|free|by)",
            r"this domain(?: name)? (?:has )?expired",
            r"domain name has just been registered",
            r"sponsored listings",
            r"temporary parking page",
            r"future home of",
            r"www\.sedo\.com",
            r"domain-holding\.co\.uk",
            r"домен[^.<]{0,40}продается",
            r"домен[^.<]{0,40}продаётся",
            r"(?:срок регистрации|регистрация) домена[^.<]{0,40}(?:истек|истёк|закончил)",
            r"домен[^.<]{0,40}(?:припаркован|не оплачен|не продлен)",
            r"ce domaine (?:est )?(?:à|a) vendre",
            r"diese domain[^.<]{0,40}(?:steht zum verkauf|kaufen|ist zu verkaufen)",
            r"este dominio (?:est[áa] )?(?:a la venta|en venta)",
        )
    ),
    re.IGNORECASE,
)
_PARKED_KEYS = (
    "domain",
    "домен",
    "domaine",
    "dominio",
    "parking",
    "parked",
    "sponsored",
    "future home",
    "sedo",
)
_DEFAULT_PAGE = re.compile(
    r"welcome to nginx|apache2 (?:ubuntu|debian) default page|it works!|"
    r"test page for the (?:apache|nginx)|iis windows server|default web site page",
    re.IGNORECASE,
)

# -- bot challenges and walls --------------------------------------------
_CHALLENGE_BODY = (
    ("/cdn-cgi/challenge-platform", "cloudflare"),
    ("_cf_chl_opt", "cloudflare"),
    ("cf-browser-verification", "cloudflare"),
    ("ddos-guard", "ddos-guard"),
    ("servicepipe.ru", "servicepipe"),
    ("id_captcha_frame_div", "servicepipe"),
    ("captcha-delivery.com", "datadome"),
    ("_incapsula_resource", "imperva"),
    ("anubis_challenge", "anubis"),
    ("smartcaptcha", "yandex"),
)
_CHALLENGE_TITLE = re.compile(
    r"^just a moment\.*$|attention required! \| cloudflare|checking your browser|"
    r"ddos-guard|проверка браузера|вы не робот|are you a robot|access denied|"
    r"bot verification|security check",
    re.IGNORECASE,
)
_CHALLENGE_HEADERS = (
    ("cf-mitigated", "challenge", "cloudflare"),
    ("x-vercel-mitigated", "challenge", "vercel"),
    ("x-amzn-waf-action", "", "aws-waf"),
    ("x-datadome", "", "datadome"),
)
_LOGIN_PATH = re.compile(
    r"(?:^|/)(?:log-?in|sign-?in|signon|sso|auth(?:orize)?|cas/login|wp-login\.php|"
    r"users?/sign_in|account/login|oauth2?)(?:[/.?]|$)",
    re.IGNORECASE,
)
_ERROR_PATH = re.compile(
    r"(?:^|/)(?:404|410|error|errors|notfound|not-found|not_found|page-not-found|"
    r"pagenotfound|404\.html?|error\.html?|err404)(?:[/.?]|$)",
    re.IGNORECASE,
)
# Walls send every path to their challenge: /showcaptcha (Yandex), /sorry/ (Google), ...
_WALL_PATH = re.compile(
    r"(?:^|/)(?:showcaptcha|captcha|checkcaptcha|sorry/index|cdn-cgi/challenge-platform|"
    r"_incapsula_resource|__qrator)(?:[/.?]|$)",
    re.IGNORECASE,
)
_INDEX = re.compile(r"^/(?:[a-z]{2}(?:-[a-z]{2})?/)?(?:index|default|home|main)?(?:\.\w+)?$", re.I)


def is_root_path(path: str, query: str = "") -> bool:
    """The site's home: "/", "/index.html", "/ru/", ... (a home page cannot be a soft 404)."""
    return not query and bool(_INDEX.match(path or "/"))


# One regex scan instead of a substring test per key (33 Python-level steps a text).
_SOFT404_KEY_RE = re.compile("|".join(map(re.escape, _SOFT404_KEYS)))


def _maybe_soft404(text: str) -> bool:
    return _SOFT404_KEY_RE.search(text.lower()) is not None


def soft404_cues(page: PageText) -> list[str]:
    signals: list[str] = []
    for where, texts in (("title", (page.title,)), ("heading", page.headings[:3])):
        for text in texts:
            if not text or not _maybe_soft404(text) or not _SOFT404_ANY.search(text):
                continue
            for lang, pattern in _SOFT404_RE:
                if pattern.search(text):
                    signals.append(f"soft404-{where}:{lang}:{text[:80]}")
                    break
    return signals


def parked_cues(page: PageText, final_host: str) -> list[str]:
    signals: list[str] = []
    for host in PARKING_HOSTS:
        if final_host == host or final_host.endswith("." + host):
            signals.append(f"parked-host:{final_host}")
    # The phrases all name a domain, parking or a sale: a substring test spares the
    # regex on almost every page (it costs ~0.4 ms on a 4 KB page otherwise).
    # Placeholders are tiny pages: an article saying "this domain has expired" is not one.
    text = page.text.lower() if len(page.text) < TINY else ""
    if any(k in text for k in _PARKED_KEYS) and (m := _PARKED_TEXT.search(text)):
        signals.append(f"parked-text:{_clean(m.group(0))[:80]}")
    elif text and ("sedo.com" in page.raw_lower or "domain-holding.co.uk" in page.raw_lower):
        signals.append("parked-text:links to a domain marketplace")
    elif page.title and _DEFAULT_PAGE.search(page.title):
        signals.append(f"default-server-page:{page.title[:80]}")
    return signals


# Pre-checks: almost no answer has any of these, so one set test and one regex scan
# replace the loops below (which keep their order of signals) on nearly every page.
_CHALLENGE_HEADER_NAMES = frozenset(name for name, _, _ in _CHALLENGE_HEADERS)
_CHALLENGE_BODY_ANY = re.compile("|".join(re.escape(marker) for marker, _ in _CHALLENGE_BODY))


def challenge_cues(page: PageText | None, headers: list[tuple[str, str]]) -> list[str]:
    signals: list[str] = []
    if not _CHALLENGE_HEADER_NAMES.isdisjoint([key for key, _ in headers]):
        for name, value, vendor in _CHALLENGE_HEADERS:
            for key, got in headers:
                if key == name and (not value or got.strip().lower() == value):
                    signals.append(f"challenge-header:{vendor}:{name}")
    if page is None:
        return signals
    if _CHALLENGE_BODY_ANY.search(page.raw_lower):
        for marker, vendor in _CHALLENGE_BODY:
            if marker in page.raw_lower:
                signals.append(f"challenge-body:{vendor}:{marker}")
                break
    # A wall's title is a wall's whatever the markup around it (a 200 "Attention Required!").
    if page.title and _CHALLENGE_TITLE.search(page.title):
        signals.append(f"challenge-title:{page.title[:80]}")
    return signals


def url_cues(url: str, final_url: str, redirected: bool) -> list[str]:
    """Cues from where redirects led: to the site root, an error path or a login page."""
    if not redirected:
        return []
    signals: list[str] = []
    start_path, start_query = _path_query(url)
    end_path, end_query = _path_query(final_url)
    deep = not _INDEX.match(start_path) or bool(start_query)
    if deep and _INDEX.match(end_path) and not end_query:
        signals.append(f"redirect-to-root:{final_url[:120]}")
    if _ERROR_PATH.search(end_path) and not _ERROR_PATH.search(start_path):
        signals.append(f"redirect-to-error:{final_url[:120]}")
    if _WALL_PATH.search(end_path) and not _WALL_PATH.search(start_path):
        signals.append(f"wall-redirect:url:{final_url[:120]}")
    if _LOGIN_PATH.search(end_path) and not _LOGIN_PATH.search(start_path):
        signals.append(f"redirect-to-login:{final_url[:120]}")
    return signals


@cache_short(maxsize=4096)  # final URLs come from answers: long ones are not kept
def _path_query(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.path or "/", parts.query


def _clean(text: str) -> str:
    return " ".join(text.split())
