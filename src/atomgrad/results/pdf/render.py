"""Render the results' PDF documents with WeasyPrint from the HTML templates in this folder.

The templates use their own Django template engine (this folder only, autoescaped, the `atomgrad` date
filters) and are rendered in Russian whatever the request's language: they are official documents. Fonts come
from `results/fonts/` through `@font-face` rules with file URLs (see `fonts.css`), so the output does not depend
on the fonts installed on the machine; every font-family the CSS names is one of ours.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template import Context, Engine
from django.utils import translation

# Tagged PDF (PDF/UA-1: a structure tree of headings, paragraphs, tables and lists, the language, the title shown
# as the window title), so that screen readers read the documents in order. WeasyPrint takes the language from
# <html lang> and the title from <title>.
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1"}

PDF_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PDF_DIR / "templates"
FONTS_DIR = PDF_DIR.parent / "fonts"

FONT_FACES = (
    # family, file, weight, style
    ("AtomgradSans", "DejaVuSans.ttf", "normal", "normal"),
    ("AtomgradSans", "DejaVuSans-Bold.ttf", "bold", "normal"),
    ("AtomgradSerif", "DejaVuSerif.ttf", "normal", "normal"),
    ("AtomgradSerif", "DejaVuSerif-Bold.ttf", "bold", "normal"),
    ("AtomgradSerif", "DejaVuSerif-Italic.ttf", "normal", "italic"),
)


@lru_cache(maxsize=1)
def _engine() -> Engine:
    return Engine(
        dirs=[str(TEMPLATES_DIR)],
        libraries={"atomgrad": "atomgrad.core.templatetags.atomgrad"},
        autoescape=True,
    )


def font_faces_css() -> str:
    """`@font-face` rules pointing at the shipped TTF files by file URL."""
    rules = []
    for family, filename, weight, style in FONT_FACES:
        url = (FONTS_DIR / filename).as_uri()
        rules.append(
            f'@font-face {{ font-family: "{family}"; src: url("{url}") format("truetype"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


def render_html(template_name: str, context: dict[str, Any]) -> str:
    with translation.override("ru"):
        return _engine().get_template(template_name).render(Context(context))


def html_to_pdf(html: str) -> bytes:
    """Lay out the HTML (with the shipped fonts) and return the PDF's bytes."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    fonts = CSS(string=font_faces_css(), font_config=font_config)
    document = HTML(string=html, base_url=str(PDF_DIR))
    return bytes(document.write_pdf(stylesheets=[fonts], font_config=font_config, **PDF_OPTIONS))


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    return html_to_pdf(render_html(template_name, context))


def render_pdf_pages(template_name: str, context: dict[str, Any]) -> list[bytes]:
    """Lay out a many-page document once and return each page as its own PDF (one diploma per file): far
    faster than laying out each page alone, since fonts and styles are prepared once."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    fonts = CSS(string=font_faces_css(), font_config=font_config)
    document = HTML(string=render_html(template_name, context), base_url=str(PDF_DIR)).render(
        stylesheets=[fonts], font_config=font_config, **PDF_OPTIONS
    )
    return [bytes(document.copy([page]).write_pdf(**PDF_OPTIONS)) for page in document.pages]
