# SPDX-License-Identifier: MIT
"""Writes bench/knowledge/smoke/corpus.jsonl (BEIR layout) from the sample
knowledge in scripts/samples/content.py: one document per product-sheet
subsection, playbook section, case-study slide (with its notes) and FAQ
answer. The queries and graded judgments beside it (queries.jsonl,
qrels/test.tsv) are written by hand.

This is a SMOKE TEST set made for this project, not a public IR test
collection: it checks that eval_ir.py and the three search modes work end
to end, and its numbers say little about retrieval quality in general.

    .venv/bin/python bench/knowledge/make_smoke.py
"""
from __future__ import annotations

import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "scripts" / "samples"))
import content as C  # noqa: E402


def slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")[:40]


def corpus() -> list[dict]:
    docs = []
    for page, (heading, blocks) in enumerate(C.PRODUCT_SHEET, start=1):
        for sub, paras in blocks:
            docs.append({"_id": f"ps-p{page}-{slug(sub or 'intro')}",
                         "title": f"{C.PRODUCT_SHEET_TITLE}: {sub or heading}",
                         "text": " ".join(paras)})
    for _, heading, paras in C.PLAYBOOK:
        body = []
        for p in paras:
            if p == "__TABLE__":
                body += [" | ".join(r) for r in C.PRICING_TABLE]
            else:
                body.append(p)
        docs.append({"_id": f"pb-{slug(heading)}", "title": f"{C.PLAYBOOK_TITLE}: {heading}",
                     "text": "\n".join(body)})
    for i, (title, bullets, notes) in enumerate(C.CASE_STUDY, start=1):
        docs.append({"_id": f"cs-s{i}", "title": f"{C.CASE_STUDY_TITLE}: {title}",
                     "text": "\n".join(bullets) + "\n" + notes})
    for section, items in C.FAQ:
        for q, a in items:
            docs.append({"_id": f"faq-{slug(q)}", "title": f"{C.FAQ_TITLE}: {q}",
                         "text": f"{q} {a}"})
    return docs


def main() -> int:
    out = HERE / "smoke" / "corpus.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    docs = corpus()
    assert len({d["_id"] for d in docs}) == len(docs)
    out.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), "utf-8")
    print(f"{out}: {len(docs)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
