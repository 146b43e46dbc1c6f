#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Golden token ids for the C WordPiece tokenizer (src/knowledge/embed/tokenizer.c).

Builds a deterministic list of varied strings -- hand-written edge cases plus
seeded random mixes of scripts, marks, emoji, whitespace, control characters,
punctuation, numbers, URLs, code, over-long words and texts that truncate --
and tokenizes each with the reference: the HuggingFace `tokenizers` package
loading models/all-MiniLM-L6-v2/tokenizer.json, the fast tokenizer that
sentence-transformers runs, truncated at 256 (sentence_bert_config.json
max_seq_length) with [CLS] ... [SEP].

Writes
  tests/data/embed/tokens.jsonl        {"text": str, "ids": [int]}
  tests/data/embed/tokens_bytes.jsonl  {"hex": str, "ids": [int]}

The second file holds byte strings that are not valid UTF-8. The reference
only ever sees str, so their ids are defined as those of
bytes.decode("utf-8", errors="replace"): every maximal ill-formed subpart
becomes U+FFFD, which cleaning then drops. The C side decodes the same way.

Run from the repository root with the reference venv (not in CI):
  python3 -m venv .venv-ref
  .venv-ref/bin/pip install -r scripts/embed/requirements-ref.txt
  .venv-ref/bin/python scripts/embed/make_golden_tokens.py
"""
import json
import os
import random
import sys

from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
OUT_DIR = os.path.join(ROOT, "tests", "data", "embed")
MAX_LEN = 256
SEED = 20251125

# ---- hand-written cases ----------------------------------------------------

SALES = [
    "How do we prove ROI to a CFO?",
    "Our platform cut onboarding time by 40% for Acme Corp.",
    "The customer is worried about SOC 2 compliance and GDPR.",
    "Can you integrate with Salesforce, HubSpot and Microsoft Dynamics 365?",
    "Pricing starts at $49/user/month, billed annually.",
    "We need a decision by Q3 -- the budget freezes on Sept. 30th.",
    "She's the VP of Sales; he's the economic buyer.",
    "Implementation takes 6-8 weeks with a dedicated CSM.",
    "What's the total cost of ownership over 3 years?",
    "Competitor X offers a 20% discount, can we match it?",
    "The pilot showed a 3.2x increase in qualified pipeline.",
    "Follow up with Dr. O'Brien re: the security questionnaire (due 5/17).",
    "Our NPS went from 31 to 58 after the rollout.",
    "They asked for SSO via SAML 2.0 and SCIM provisioning.",
    "Send the deck, the MSA and the DPA before Friday's call.",
    "Objection: \"It's too expensive for a team our size.\"",
    "Response: start with the Starter tier and upgrade once ROI is proven.",
    "E-mail: jane.doe@acme-corp.com, phone: +1 (415) 555-0132 ext. 7.",
    "Churn dropped 12.5% YoY; ARR is up to $4.7M.",
    "Let's schedule a 30-min discovery call next Tuesday @ 10am PT.",
    "The champion left the company -- we need a new sponsor.",
    "Is there an on-prem option, or is it SaaS only?",
    "Uptime SLA: 99.95%, with credits for any breach.",
    "Decision criteria: price, ease of use, support, integrations.",
    "Mr. Müller from Zürich wants the contract in German.",
    "Das Angebot gilt bis zum 31. Dezember.",
    "Nous pouvons réduire vos coûts de 25 % dès la première année.",
    "¿Podemos agendar una demo para el próximo lunes?",
    "Il cliente chiede uno sconto del 15%.",
    "O cliente quer integração com o SAP até março.",
    "Клиент просит скидку 10% и оплату в рублях.",
    "顧客は価格よりもサポートの質を重視しています。",
    "客户希望在第三季度之前完成部署。",
    "고객은 보안 인증서를 요청했습니다.",
    "ลูกค้าต้องการส่วนลดสำหรับสัญญาสามปี",
    "العميل يريد خصمًا بنسبة ٢٠٪ على العقد السنوي.",
    "הלקוח מבקש הנחה של 10% על חוזה שנתי.",
    "ग्राहक को तीन साल के अनुबंध पर छूट चाहिए।",
    "Ο πελάτης ζητά έκπτωση 10% για ετήσιο συμβόλαιο.",
    "Khách hàng muốn giảm giá 20% cho hợp đồng ba năm.",
]

ACCENTS = [
    "café", "naïve", "Crème brûlée", "Straße", "STRASSE", "ẞ", "İstanbul", "ISTANBUL ıi",
    "İ", "i̇", "ΣΊΣΥΦΟΣ", "Ὀδυσσεύς", "Ångström", "Å", "Øresund", "Łódź", "ŞİŞLİ", "Ærø",
    "façade", "jalapeño", "Pokémon", "résumé", "coöperate", "Dvořák", "Škoda", "Māori",
    "Nguyễn Văn Đức", "Ðð Þþ", "ǅ ǆ Ǆ", "ǈ ǋ ǲ", "ﬁnance ﬂow ﬀ ﬃ", "ŉ", "ΐ ΰ", "ᾼ ᾳ ῼ",
    "Ⓐⓑ", "ＡＢＣ１２３ａｂｃ", "ｶﾀｶﾅ ﾊﾞ", "𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐", "№ 5", "½ ¼ ¾", "x² y³ H₂O", "Ⅻ ⅻ",
    "K Kelvin", "Ω Ohm", "Å Angstrom", "µ micro μ mu", "ſ long s", "ꭰ Ꭰ Cherokee",
    "𐐀𐐨 Deseret", "Ᲊ ᲊ", "ꟋꟌꟚ", "ᲀᲁᲂ", "ΑΣ ΑΣΑ σς", "ῃ ΗΙ", "ﬓ ﬔ", "ǰ J̌",
]

COMBINING = [
    "e\u0301", "a\u0308\u0301", "q\u0323\u0307", "q\u0307\u0323", "\u1e0b\u0323", "\u1e0d\u0307",
    "a\u0334\u0301", "a\u0301\u0334", "o\u031b\u0323", "\u01a1\u0323", "A\u030a", "\u212b",
    "\u0301abc", "abc\u0301", "\u0301", "\u0301\u0302\u0303", "n\u0303o", "\u0345", "\u0344",
    "\u0340\u0341\u0343", "\u0f71\u0f72", "\u0f73", "\u0f75 \u0f81", "\u0e31\u0e34", "\u05d1\u05bc",
    "\u0915\u093c", "\u0958", "\u0928\u094d\u0928", "\u1100\u1161\u11a8", "\uac00", "\ud7a3",
    "\U0001d165\U0001d16d", "\U0001d16d\U0001d165", "a\U0001d16d\u0301\U0001d165",
    "\U0001d15e", "\U0001d1bb", "\u0061\u034f\u0301", "\u0061\u0301\u034f\u0302",
    "\u1734", "a\u1734b", "\u1ac1\u1ac2", "a\u1df6\u1dfa", "\U00011938", "\U00011935\U00011930",
    "\u08d3\u08e2", "\u0d00", "\u302e\u302f", "\u3099\u309a", "\u304b\u3099", "\u304c",
    "\u0e4e", "\u20dd\u20de", "a\u20e3", "1\ufe0f\u20e3", "\u0489", "\u1dc0\u1dff",
    "\u0300" * 20, "a" + "\u0301" * 150, "e" + "\u0301\u0323" * 40, "\u05b0" * 10,
]

EMOJI = [
    "😀", "😀😃😄", "👍", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "🇺🇸🇬🇧🇫🇷", "❤️", "❤", "1️⃣", "©®™",
    "🏳️‍🌈", "🏴‍☠️", "🥰", "🫠", "🪿", "🤝 deal closed 🎉", "great job!👏👏", "📈📉💰",
    "☕️ meeting", "⭐⭐⭐⭐⭐ 5/5", "👋🏻👋🏼👋🏽👋🏾👋🏿", "🧑🏽‍🚀", "🫱🏻‍🫲🏿", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "☺", "✓ ✔ ✗ ✘",
    "→ ← ↑ ↓ ⇒", "♠♣♥♦", "€$£¥₹₩₽₿", "°C °F", "±×÷≠≤≥∞", "∑∏∫√", "⌘⌥⇧", "〜～",
]

SCRIPTS = [
    "中华人民共和国", "我爱北京天安门", "漢字かなカナ混じり文", "ひらがな", "カタカナ", "東京タワー",
    "ｈｅｌｌｏ　ｗｏｒｌｄ", "한국어 텍스트", "안녕하세요", "ภาษาไทย", "สวัสดีครับ", "اللغة العربية",
    "مَرْحَبًا", "ﷺ", "ﻻ", "עברית", "שָׁלוֹם", "русский язык", "Ёлка ёжик", "ελληνικά",
    "Ελληνικά ΚΕΦΑΛΑΙΑ", "हिन्दी", "नमस्ते", "தமிழ்", "বাংলা", "Հայերեն", "ქართული", "አማርኛ",
    "ᚠᚢᚦᚨᚱᚲ", "ꓮꓯ", "ᐃᓄᒃᑎᑐᑦ", "ܣܘܪܝܝܐ", "ދިވެހި", "ཀ་ཁ་ག", "မြန်မာ", "ខ្មែរ", "ລາວ",
    "සිංහල", "ગુજરાતી", "ਪੰਜਾਬੀ", "ಕನ್ನಡ", "മലയാളം", "తెలుగు", "ଓଡ଼ିଆ", "монгол ᠮᠣᠩᠭᠣᠯ",
    "\u4dbf\u4dc0\u4e00\u9fff", "\uf900\ufaff", "\U0002b81f\U0002b820\U0002b920",
    "\U0002ceaf\U0002ceb0", "\U00030000\U0002f800\U0002fa1d", "\u2e80\u2f00\u3005\u3007",
    "\u3400\u4db5", "\U00020000\U0002a6d6", "abc中文def", "中文abc中文", "価格は¥1,000です",
]

PUNCT = [
    "!!!", "?!?!", "...", "…", "---", "--", "“quoted”", "‘single’", "«guillemets»", "„German“",
    "¿Qué?", "¡Hola!", "a—b–c-d", "(x)[y]{z}", "@#$%^&*", "\\/|", "~`", "、。「」『』", "‼ ⁉",
    "a.b.c", "e.g.", "i.e.,", "U.S.A.", "don't", "rock'n'roll", "O'Neil", "'''", '"""', "¶§",
    "•·‧", "※", "†‡", "⁂", "‹›", "‐‑‒", "〈〉《》", "【】", "﹏", "﴾﴿", "٪٫٬", "؟،؛",
    "।॥", "။", "჻", "᠁", "⸮", "⸻", "_under_score_", "__init__", "a_b", "#hashtag", "@mention",
    "!" * 300, ".-" * 200,
]

NUMBERS = [
    "$1,299.99", "€49/mo", "£3.5M", "¥10000", "₹2,50,000", "1e-9", "3.14159", "10%", "24/7",
    "2024-06-30T12:00:00Z", "+1 (555) 123-4567", "v2.3.1", "0x1F", "1,000,000", "-42", "1/3",
    "12:30pm", "Q1'24", "FY2025", "4K", "5G", "B2B", "COVID-19", "401(k)", "H1B", "iPhone15",
    "١٢٣٤٥", "१२३४५", "一二三", "①②③", "⑴⑵", "Ⅳ", "𝟙𝟚𝟛", "0.000001", "9" * 120, "3" * 60,
    "1234567890" * 5, "100,000+ users", "~$5k", "≈20%", "USD 10.00", "10 000 €",
]

URLS_CODE = [
    "https://example.com/path?q=1&x=y#frag", "http://localhost:8080/api/v1/users/42",
    "www.acme-corp.co.uk", "ftp://files.example.org/pub/README.txt", "mailto:sales@example.com",
    "user.name+tag@sub.example.co.uk", "jane_doe@exämple.de", "https://例子.测试/路径",
    "https://xn--fsq.xn--0zwm56d", "C:\\Users\\jane\\Documents\\Q3 report.xlsx",
    "/var/lib/salient/data.db", "def f(x): return x**2", "int main(void) { return 0; }",
    "SELECT * FROM deals WHERE amount > 10000 ORDER BY closed_at DESC;",
    '{"name": "Acme", "arr": 4700000, "tags": ["saas", "b2b"]}', "<div class=\"x\">Hi</div>",
    "^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$", "camelCaseIdentifier", "snake_case_identifier",
    "SCREAMING_SNAKE_CASE", "kebab-case-identifier", "x += 1; y -= 2; z *= 3;", "a->b && c || !d",
    "std::vector<int> v{1, 2, 3};", "console.log(`hello ${name}`);", "#include <stdio.h>",
    "git commit -m \"fix: handle NULL\"", "pip install sentence-transformers==3.0.1",
    "https://example.com/" + "a" * 120, "aaaa@" + "b" * 110 + ".com",
]

LONG_WORDS = [
    "a" * 99, "a" * 100, "a" * 101, "é" * 100, "é" * 101, "x" * 300,
    "supercalifragilisticexpialidocious", "Donaudampfschifffahrtsgesellschaftskapitän",
    "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz",
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 2, "pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    "İ" * 100, "İ" * 101, "ǅ" * 101, "a\u0301" * 100, "a\u0301" * 101, "ab" * 50, "ab" * 51,
    "中" * 300, "ﬁ" * 101, "word " * 300, "a" * 100 + " " + "b" * 101,
    "a" * 100 + "\u200b" + "b", "a" * 50 + "\x00" * 60 + "b" * 50, "a" * 99 + "\u0130",
]

WHITESPACE = [
    "", " ", "  ", "\t", "\n", "\r\n", "\t\n\r ", "a\tb", "a\nb", "a\r\nb", "a\u00a0b",
    "a\u2000b\u2001c\u2002d\u2003e\u2004f\u2005g\u2006h\u2007i\u2008j\u2009k\u200al",
    "a\u2028b", "a\u2029b", "a\u202fb", "a\u205fb", "a\u3000b", "a\u1680b", "a\u0085b",
    "a\u000bb", "a\u000cb", "a\u001cb\u001dc\u001ed\u001ff", "a\u200bb", "a\u200cb", "a\u200db",
    "a\u2060b", "a\ufeffb", "\ufeffhello", "a\u180eb", "a\u00adb", "soft\u00adhyphen",
    "   leading", "trailing   ", "  both  ", "many     spaces", "\u3000\u3000全角", "\u200b",
]

CONTROL = [
    "\x00", "a\x00b", "\x00\x00\x00", "\x01\x02\x03", "a\x07b", "\x1b[31mred\x1b[0m", "\x7f",
    "a\x80b\x9fc", "\u202aLRE\u202c", "\u202eRLO\u202c", "\u2066isolate\u2069", "\u200e\u200f",
    "\U000e0001\U000e0041\U000e007f", "tag\U000e0020x", "\ue000\uf8ff", "\U000f0000\U0010fffd",
    "\ufffd", "a\ufffdb", "\ufffe\uffff", "a\ufffeb", "\u0378\u0379", "a\u0378b", "\U000e0100",
    "\ufff9\ufffa\ufffb", "\u0600\u0601", "\u061c", "\u070f", "\U000110bd",
    "\U0001bca0", "\U0001d173\U0001d17a", "\u0890\u0891", "\U000110cd", "\U00013430",
    "\U0001fffe", "\U0010ffff", "\U000e01ef",
]

SPECIAL = [
    "[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MASK]", "[CLS] hi [SEP]", "a[MASK]b", "[cls]",
    "[Cls]", "[UNK]x", "[PAD][PAD]", "[[CLS]]", "[CLS", "CLS]", "[ CLS ]", "[MASK][MASK]",
    "x[SEP]y[SEP]z", "[SEP" + "]" * 3, "[MASK ]", "[MAS K]", "foo[UNK]bar", "\u00e9[CLS]\u00e9",
    "[C\x00LS]", "[CLS]" * 300, "a" * 120 + "[SEP]" + "b" * 120,
]

# ---- seeded random mixes ---------------------------------------------------

WORDS = {
    "en": "the customer wants a discount on the annual contract because budget is tight this "
          "quarter and procurement needs three quotes before signing renewal pipeline forecast "
          "demo trial onboarding integration security compliance dashboard analytics".split(),
    "fr": "le client souhaite une remise sur le contrat annuel réunion équipe données sécurité "
          "intégration déploiement coût économie".split(),
    "de": "der Kunde möchte einen Rabatt für den Jahresvertrag Größe Übersicht Straße "
          "Genehmigung Qualität".split(),
    "es": "el cliente quiere un descuento en el contrato anual reunión año señal".split(),
    "ru": "клиент хочет скидку на годовой контракт встреча бюджет безопасность".split(),
    "el": "ο πελάτης θέλει έκπτωση στο ετήσιο συμβόλαιο ΣΥΝΑΝΤΗΣΗ".split(),
    "zh": "客户 希望 获得 年度 合同 的 折扣 预算 安全".split(),
    "ja": "お客様 は 年間 契約 の 割引 を 希望 しています カタカナ".split(),
    "ko": "고객은 연간 계약에 대한 할인을 원합니다 보안".split(),
    "th": "ลูกค้า ต้องการ ส่วนลด สัญญา รายปี".split(),
    "ar": "العميل يريد خصما على العقد السنوي".split(),
    "he": "הלקוח רוצה הנחה על החוזה השנתי".split(),
    "hi": "ग्राहक वार्षिक अनुबंध पर छूट चाहता है".split(),
    "vi": "khách hàng muốn giảm giá hợp đồng hàng năm".split(),
}

POOLS = [
    (30, [(0x20, 0x7E)]),                      # ASCII
    (8, [(0xA0, 0x24F)]),                      # Latin-1, Latin Extended
    (6, [(0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF)]),  # marks
    (4, [(0x370, 0x3FF), (0x1F00, 0x1FFF)]),   # Greek
    (4, [(0x400, 0x52F), (0x1C80, 0x1C8F)]),   # Cyrillic
    (3, [(0x590, 0x5FF), (0x600, 0x6FF), (0x750, 0x77F), (0x860, 0x8FF)]),  # Hebrew, Arabic
    (4, [(0x900, 0xDFF)]),                     # Indic
    (3, [(0xE00, 0xEFF), (0xF00, 0xFFF), (0x1000, 0x109F), (0x1780, 0x17FF)]),  # SE Asian, Tibetan
    (5, [(0x3040, 0x30FF), (0xAC00, 0xD7A3), (0x1100, 0x11FF), (0x3130, 0x318F)]),  # kana, Hangul
    (5, [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F)]),  # CJK
    (5, [(0x1F300, 0x1FAFF), (0x2600, 0x27BF), (0x1F1E6, 0x1F1FF), (0xFE00, 0xFE0F)]),  # emoji
    (4, [(0x2000, 0x2BFF), (0x3000, 0x303F), (0xFE30, 0xFFEF)]),  # punctuation, symbols, forms
    (3, [(0x0, 0x1F), (0x7F, 0x9F), (0x200B, 0x200F), (0x2028, 0x202F), (0x2060, 0x206F),
         (0xFEFF, 0xFEFF), (0xFFF0, 0xFFFF), (0xE0000, 0xE007F)]),  # controls, format
    (2, [(0xA640, 0xA7FF), (0xAB00, 0xABFF), (0x10000, 0x1BFFF), (0x1D000, 0x1FFFF)]),  # misc
    (3, [(0x0, 0x10FFFF)]),                    # anything at all
]

WS_CHARS = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\u2028",
            "\u200b", "\u0085", "\x0b"]
MARKS = ([chr(c) for c in range(0x300, 0x370)] +
         ["\u0591", "\u05b4", "\u05bc", "\u064b", "\u0651", "\u0670", "\u093c", "\u094d",
          "\u0e31", "\u0e48", "\u0f71", "\u0f72", "\u0f74", "\u0f80", "\u1ab0", "\u1ac1",
          "\u1dc0", "\u1df6", "\u1dfa", "\u20d0", "\u20e3", "\u302a", "\u302e", "\u3099",
          "\u034f", "\u0345", "\U0001d165", "\U0001d16d", "\U0001d167", "\u1734", "\u0903",
          "\u08d3", "\u0d00", "\u200d", "\ufe0f", "\U0001f3fd"])
BASES = list("aeiouAEIOUnNcCsSzZyY") + ["ı", "İ", "ø", "α", "Ω", "и", "ש", "ب", "क", "ก",
                                         "ཀ", "あ", "中", "가", "1", "-", " "]


def rand_char(rng):
    weights = [w for w, _ in POOLS]
    ranges = rng.choices(POOLS, weights)[0][1]
    lo, hi = rng.choice(ranges)
    while True:
        c = rng.randint(lo, hi)
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def rand_codepoints(rng):
    n = rng.choice([1, 2, 3, 5, 8, 13, 21, 40, 80])
    out = []
    for _ in range(n):
        out.append(rand_char(rng))
        if rng.random() < 0.2:
            out.append(rng.choice(WS_CHARS))
    return "".join(out)


def rand_words(rng):
    langs = rng.sample(sorted(WORDS), rng.randint(1, 3))
    n = rng.randint(1, 30)
    out = []
    for _ in range(n):
        w = rng.choice(WORDS[rng.choice(langs)])
        r = rng.random()
        if r < 0.15:
            w = w.upper()
        elif r < 0.3:
            w = w.capitalize()
        out.append(w)
        out.append(rng.choice(WS_CHARS) if rng.random() < 0.3 else " ")
        if rng.random() < 0.15:
            out.append(rng.choice(list(".,;:!?…—-()[]\"'«»“”、。")))
    return "".join(out)


def rand_marks(rng):
    out = []
    for _ in range(rng.randint(1, 6)):
        out.append(rng.choice(BASES))
        out.extend(rng.choice(MARKS) for _ in range(rng.randint(0, 4)))
    return "".join(out)


def rand_sales(rng):
    who = rng.choice(["The CFO", "Our champion", "The buyer", "Procurement", "IT security",
                      "Mme Lefèvre", "Herr Schröder", "José", "Zoë", "Björn", "李先生"])
    what = rng.choice(["wants a {p}% discount", "asked about SSO/SAML", "needs SOC 2 Type II",
                       "is comparing us with {c}", "flagged the {m}-month ramp",
                       "loved the demo 😍", "pushed the deadline to {d}", "wants ROI proof"])
    p, m = rng.randint(5, 45), rng.randint(1, 18)
    c = rng.choice(["Gong", "Outreach", "Salesloft", "Clari", "ACME™", "Foo & Bar, Inc."])
    d = rng.choice(["Q3", "2025-12-31", "next Friday", "EOM", "30/06"])
    price = rng.choice(["$%d,%03d" % (rng.randint(1, 99), rng.randint(0, 999)),
                        "€%d.%02d" % (rng.randint(1, 9999), rng.randint(0, 99)),
                        "£%dk" % rng.randint(1, 900), "¥%d" % rng.randint(1000, 10 ** 7)])
    s = "%s %s; deal size %s." % (who, what.format(p=p, c=c, m=m, d=d), price)
    if rng.random() < 0.3:
        s = s.upper() if rng.random() < 0.5 else s.lower()
    return s


def rand_misc(rng):
    kind = rng.randrange(5)
    if kind == 0:
        host = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz-") for _ in range(rng.randint(3, 15)))
        return "https://%s.%s/%s?id=%d" % (host, rng.choice(["com", "io", "co.uk", "de"]),
                                          "/".join(rng.choice(WORDS["en"]) for _ in range(3)),
                                          rng.randint(0, 10 ** 6))
    if kind == 1:
        return "%s.%s@%s.com" % (rng.choice(WORDS["en"]), rng.choice(WORDS["en"]),
                                 rng.choice(WORDS["en"]))
    if kind == 2:
        return "%s %.*f %s" % (rng.choice(["$", "€", "£", "USD", "", "~"]), rng.randint(0, 4),
                               rng.uniform(0, 10 ** rng.randint(1, 9)), rng.choice(["", "%", "/mo", "k"]))
    if kind == 3:
        name = "_".join(rng.choice(WORDS["en"]) for _ in range(rng.randint(1, 4)))
        return "def %s(x, y=%d):\n\treturn x ** y  # %s" % (name, rng.randint(0, 9), rng.choice(SALES))
    return "".join(rng.choice("0123456789.,:-/+()%$€ ") for _ in range(rng.randint(1, 40)))


def rand_long_word(rng):
    alphabet = rng.choice(["abcdefghijklmnopqrstuvwxyz", "éèêëàâäôöûüçñ", "абвгдеёжз",
                           "αβγδεζηθ", "अआइईउऊक", "ㄱㄴㄷㄹ가나다", "0123456789", "ABCDEFxyz_",
                           "aeiou\u0301\u0308"])
    n = rng.randint(95, 110)
    return "".join(rng.choice(alphabet) for _ in range(n))


def rand_long_text(rng):
    parts = []
    target = rng.randint(1500, 6000)
    while sum(len(p) for p in parts) < target:
        r = rng.random()
        if r < 0.4:
            parts.append(rand_sales(rng))
        elif r < 0.7:
            parts.append(rand_words(rng))
        elif r < 0.85:
            parts.append(rng.choice(SALES))
        else:
            parts.append(rand_codepoints(rng))
    return rng.choice([" ", "\n", "\n\n", "\t"]).join(parts)


def build_texts():
    texts = []
    for group in (SALES, ACCENTS, COMBINING, EMOJI, SCRIPTS, PUNCT, NUMBERS, URLS_CODE,
                  LONG_WORDS, WHITESPACE, CONTROL, SPECIAL):
        texts.extend(group)
    # Each sales sentence upper-cased, and with its words run together.
    texts.extend(s.upper() for s in SALES)
    texts.extend(s.replace(" ", "") for s in SALES[:20])
    rng = random.Random(SEED)
    for make, n in ((rand_codepoints, 300), (rand_words, 250), (rand_marks, 200),
                    (rand_sales, 150), (rand_misc, 120), (rand_long_word, 40),
                    (rand_long_text, 40)):
        texts.extend(make(rng) for _ in range(n))
    seen, out = set(), []
    for t in texts:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


# ---- byte strings that are not UTF-8 ---------------------------------------

BAD_BYTES = [
    b"\xff", b"\xfe\xff", b"a\xffb", b"\x80", b"a\x80b", b"\xbf", b"\xc0\x80", b"\xc1\xbf",
    b"\xc2", b"\xc2a", b"\xc2\xc2\xa9", b"\xe2\x82", b"\xe2\x82a", b"\xe2\x82\xe2\x82\xac",
    b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xe0\xa0", b"\xed\xa0\x80", b"\xed\xbf\xbf",
    b"\xed\x9f\xbf", b"\xef\xbf\xbd", b"\xf0\x80\x80\x80", b"\xf0\x8f\xbf\xbf", b"\xf0\x90\x80",
    b"\xf0\x90\x80a", b"\xf0\x9f\x98", b"\xf0\x9f\x98\x80", b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80",
    b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xfc\x84\x80\x80\x80\x80", b"caf\xe9",
    b"na\xefve", b"\xe9t\xe9", b"Stra\xdfe", b"\xc3", b"\xc3\xa9\xc3", b"abc\xe4\xb8",
    b"\xe4\xb8\xad\xe4\xb8", b"[CLS\xff]", b"[CLS]\xff[SEP]", b"\xff[MASK]\xfe", b"a\x00\xffb",
    b"\xe2\x80\xa8\xff", b"\xcc\x81\xff\xcc\x81", b"e\xcc", b"e\xcc\x81\xcc",
    b"\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92", b"x" * 99 + b"\xff" + b"y",
    b"x" * 100 + b"\xff", b"x" * 101 + b"\xff",
]


def rand_bytes(rng):
    out = bytearray()
    for _ in range(rng.randint(1, 24)):
        r = rng.random()
        if r < 0.35:
            out += rng.choice(WORDS[rng.choice(sorted(WORDS))]).encode()
        elif r < 0.5:
            out += b" "
        elif r < 0.7:
            out.append(rng.randrange(256))
        elif r < 0.85:
            enc = rand_char(rng).encode("utf-8", "surrogatepass")
            out += enc[: rng.randint(1, len(enc))]  # often a truncated sequence
        else:
            out.append(rng.choice([0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0,
                                   0xF4, 0xF5, 0xFF]))
    return bytes(out)


def build_bytes():
    rng = random.Random(SEED + 1)
    items = list(BAD_BYTES)
    while len(items) < 220:
        b = rand_bytes(rng)
        try:
            b.decode("utf-8")
        except UnicodeDecodeError:
            items.append(b)
    seen, out = set(), []
    for b in items:
        if b not in seen:
            seen.add(b)
            out.append(b)
    return out


def main():
    tok = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_LEN)
    os.makedirs(OUT_DIR, exist_ok=True)

    texts = build_texts()
    encs = tok.encode_batch(texts)
    with open(os.path.join(OUT_DIR, "tokens.jsonl"), "w", encoding="ascii") as f:
        for t, e in zip(texts, encs):
            f.write(json.dumps({"text": t, "ids": e.ids}, ensure_ascii=True) + "\n")

    blobs = build_bytes()
    encs = tok.encode_batch([b.decode("utf-8", errors="replace") for b in blobs])
    with open(os.path.join(OUT_DIR, "tokens_bytes.jsonl"), "w", encoding="ascii") as f:
        for b, e in zip(blobs, encs):
            f.write(json.dumps({"hex": b.hex(), "ids": e.ids}) + "\n")

    truncated = sum(1 for e in tok.encode_batch(texts) if len(e.ids) == MAX_LEN)
    print("%d texts (%d truncated at %d), %d byte strings" % (len(texts), truncated, MAX_LEN,
                                                              len(blobs)), file=sys.stderr)


if __name__ == "__main__":
    main()
