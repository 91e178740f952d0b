"""Small documents built in tests, so no binary fixture has to be committed."""

from __future__ import annotations


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF that shows `text` in Helvetica, with a correct cross-reference table."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return _pdf_file(objects)


def pdf_bomb(pages: int = 200, operators: int = 300_000, first_page_text: str = "") -> bytes:
    """A small PDF whose `pages` pages share one compressed content stream of `operators` text
    operators (each placing and showing one letter): pypdf takes seconds to read each page. With
    `first_page_text`, a plain first page shows that text before them."""
    import zlib

    stream = zlib.compress(b"BT /F1 1 Tf " + b"1 0 0 1 5 5 Tm (a) Tj\n" * (operators // 2) + b"ET", 9)
    first = f"BT /F1 18 Tf 72 720 Td ({first_page_text}) Tj ET".encode("latin-1")
    kids = " ".join(f"{6 + n} 0 R" for n in range(pages + bool(first_page_text))).encode()
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources 4 0 R >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % (pages + bool(first_page_text)),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(first) + first + b"\nendstream",
    ]
    objects += [page % 5] * bool(first_page_text) + [page % 3] * pages
    return _pdf_file(objects)


def _pdf_file(objects: list[bytes]) -> bytes:
    """A PDF file of these objects (numbered from 1, the first the catalog) with its xref table."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
