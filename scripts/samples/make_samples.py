# SPDX-License-Identifier: MIT
"""Writes the sample knowledge of the fictional vendor Northwind Relay into
samples/knowledge/: product-sheet.pdf (3 pages), pricing-playbook.docx
(pricing table, discount rules, objection handling, discovery questions),
case-study.pptx (6 slides with speaker notes) and faq.md.

    .venv/bin/python scripts/samples/make_samples.py [--out DIR]

The content lives in content.py beside this script. Output is
reproducible: fixed document dates and zip entry times, so running the
script again gives byte-identical files (the API tests hash them).
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import pathlib
import sys
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import content as C  # noqa: E402

REPO = HERE.parents[1]
FIXED = dt.datetime(2026, 1, 15, 9, 0, 0, tzinfo=dt.timezone.utc)


def normalise_zip(data: bytes) -> bytes:
    """Rewrites an OOXML zip with fixed entry times and a stable order of
    attributes, so the bytes do not depend on when the script ran."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# ---- PDF ---------------------------------------------------------------------------

def make_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED)
    pdf.set_title(C.PRODUCT_SHEET_TITLE)
    pdf.set_author("Northwind Relay, Inc.")
    pdf.set_subject("Product sheet")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(20, 20, 20)
    for number, (heading, blocks) in enumerate(C.PRODUCT_SHEET, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 9)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(0, 6, C.PRODUCT_SHEET_TITLE, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("Helvetica", "B", 18)
        pdf.multi_cell(0, 9, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        for sub, paras in blocks:
            if sub:
                pdf.ln(2)
                pdf.set_font("Helvetica", "B", 13)
                pdf.multi_cell(0, 7, sub, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1)
            pdf.set_font("Helvetica", "", 11)
            for p in paras:
                pdf.multi_cell(0, 5.5, p, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2.5)
        pdf.set_y(-18)
        pdf.set_font("Helvetica", "", 8)
        pdf.cell(0, 5, f"Northwind Relay, Inc. - page {number} of {len(C.PRODUCT_SHEET)}",
                 align="C")
    return bytes(pdf.output())


# ---- DOCX --------------------------------------------------------------------------

def make_docx() -> bytes:
    import docx

    d = docx.Document()
    props = d.core_properties
    props.title = C.PLAYBOOK_TITLE
    props.author = "Northwind Relay Revenue Operations"
    props.created = FIXED.replace(tzinfo=None)
    props.modified = FIXED.replace(tzinfo=None)
    props.last_modified_by = "Northwind Relay Revenue Operations"
    props.revision = 1
    d.add_heading(C.PLAYBOOK_TITLE, level=0)
    d.add_paragraph("Internal sales guidance for the 2026 price list. Confidential.")
    for level, heading, paras in C.PLAYBOOK:
        d.add_heading(heading, level=level)
        for p in paras:
            if p == "__TABLE__":
                rows = C.PRICING_TABLE
                t = d.add_table(rows=len(rows), cols=len(rows[0]))
                t.style = "Table Grid"
                for r, row in enumerate(rows):
                    for c, cell in enumerate(row):
                        t.cell(r, c).text = cell
                continue
            if p[:2] in {f"{i}." for i in range(1, 10)}:
                d.add_paragraph(p[3:], style="List Number")
            else:
                d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return normalise_zip(buf.getvalue())


# ---- PPTX --------------------------------------------------------------------------

def make_pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Pt

    prs = Presentation()
    props = prs.core_properties
    props.title = C.CASE_STUDY_TITLE
    props.author = "Northwind Relay Customer Marketing"
    props.created = FIXED.replace(tzinfo=None)
    props.modified = FIXED.replace(tzinfo=None)
    props.last_modified_by = "Northwind Relay Customer Marketing"
    props.revision = 1
    for i, (title, bullets, notes) in enumerate(C.CASE_STUDY):
        layout = prs.slide_layouts[0 if i == 0 else 1]
        slide = prs.slides.add_slide(layout)
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for b in bullets[1:]:
            para = body.add_paragraph()
            para.text = b
            para.font.size = Pt(22)
        slide.notes_slide.notes_text_frame.text = notes
    buf = io.BytesIO()
    prs.save(buf)
    return normalise_zip(buf.getvalue())


# ---- Markdown ------------------------------------------------------------------------

def make_faq() -> bytes:
    lines = [f"# {C.FAQ_TITLE}", "",
             "Answers to the questions prospects and new customers ask most often.", ""]
    for section, items in C.FAQ:
        lines += [f"## {section}", ""]
        for q, a in items:
            lines += [f"### {q}", "", a, ""]
    return "\n".join(lines).encode("utf-8")


FILES = {
    "product-sheet.pdf": make_pdf,
    "pricing-playbook.docx": make_docx,
    "case-study.pptx": make_pptx,
    "faq.md": make_faq,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, default=REPO / "samples" / "knowledge")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, fn in FILES.items():
        data = fn()
        if len(data) > 100_000:
            print(f"{name}: {len(data)} bytes, over the 100 KB budget", file=sys.stderr)
            return 1
        (args.out / name).write_bytes(data)
        print(f"{args.out / name}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
