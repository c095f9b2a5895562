"""The PDF engine of the reports: an HTML page from a template and CSS, printed by WeasyPrint.

Why HTML and WeasyPrint: the text stays real text (searchable, read aloud by a screen reader,
copied into an e-mail), tables and page breaks come from CSS, and a report section is just a
function returning an HTML fragment (:mod:`reports.month_report`). Fonts: DejaVu Sans, which
Debian's ``fonts-dejavu-core`` installs (``scripts/setup.sh``).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template


@cache
def _asset(name: str) -> str:
    return resources.files("reports.pdf").joinpath(name).read_text(encoding="utf-8")


def page(title: str, description: str, body: str, footer: str) -> str:
    """The whole HTML document: ``body`` and ``footer`` are HTML, the others plain text."""
    from html import escape

    return Template(_asset("template.html")).substitute(
        title=escape(title),
        description=escape(description),
        css=_asset("report.css"),
        body=body,
        footer=footer,
    )


def render_pdf(html: str) -> bytes:
    """Print the HTML document to PDF bytes (tagged, so the structure survives for readers)."""
    import weasyprint  # imported here: loading it takes a moment and only reports need it

    document = weasyprint.HTML(string=html, base_url=None)
    pdf = document.write_pdf(pdf_tags=True)
    assert pdf is not None
    return bytes(pdf)
