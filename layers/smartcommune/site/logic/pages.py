"""A published article as a page of its own: plain HTML, no script, readable on a slow link and printable.

Everything from the article is escaped; paragraphs are the body's blank-line separated blocks.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from smartcommune.core.contracts import format_date_vn

if TYPE_CHECKING:
    from smartcommune.site.contracts import PublicArticle

PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'self'; base-uri 'none'"

_STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1c2733;line-height:1.6}"
    "header{background:#8b1a1a;color:#fff;padding:.75rem 1rem}header a{color:#fff}"
    "main{max-width:42rem;margin:0 auto;padding:1rem}h1{font-size:1.5rem;line-height:1.3}"
    ".meta{color:#555;font-size:.95rem}.summary{font-weight:600}"
)


def article_html(article: PublicArticle, commune_name: str, commune_id: str) -> str:
    paragraphs = [p.strip() for p in article.body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    body = "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    summary = f'<p class="summary">{escape(article.summary)}</p>' if article.summary else ""
    home = f"/site/?xa={escape(commune_id)}#/tin-tuc"
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(article.title)} — {escape(commune_name)}</title><style>{_STYLE}</style></head><body>"
        f'<header><a href="{home}">Trang thông tin điện tử {escape(commune_name)}</a></header>'
        f"<main><article><h1>{escape(article.title)}</h1>"
        f'<p class="meta">Đăng ngày {format_date_vn(article.published_at)} · {escape(article.author_name)}</p>'
        f"{summary}{body}</article>"
        f'<p><a href="{home}">← Tất cả tin tức</a></p></main></body></html>'
    )
