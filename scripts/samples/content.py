# SPDX-License-Identifier: MIT
"""The sample knowledge of a fictional vendor, Northwind Relay, Inc. (a
sales-engagement platform), as data: make_samples.py renders it into a PDF,
a DOCX, a PPTX and a Markdown file under samples/knowledge/, and
bench/knowledge uses the same passages as its smoke collection.

Every company, person and figure here is invented. The facts are kept
consistent across the files (prices, module names, competitors), and each
page, section or slide carries at least one word found nowhere else in the
samples (listed in MARKERS), so tests can tell which file, page or section a
search hit came from.
"""
from __future__ import annotations

VENDOR = "Northwind Relay"

# ---- product-sheet.pdf: three pages -----------------------------------------
# Each page: (heading, [(subheading or None, [paragraphs])]).
PRODUCT_SHEET_TITLE = "Northwind Relay Product Sheet"
PRODUCT_SHEET = [
    ("Northwind Relay: the sales-engagement platform for B2B teams", [
        (None, [
            "Northwind Relay helps outbound and account-management teams run every "
            "touchpoint from one workspace. More than 1,200 B2B companies, from 10-seat "
            "startups to 900-seat sales floors, use it to book meetings, follow up on "
            "time and forecast with confidence. Northwind Relay, Inc. was founded in 2019 "
            "and is headquartered in Portland, Oregon.",
        ]),
        ("Core modules", [
            "Cadence Studio builds multichannel sequences of email, phone, LinkedIn and SMS "
            "steps. Reps can A/B test up to five variants of a step, and send-time "
            "optimisation delivers each email in the hour a prospect is most likely to "
            "open it.",
            "Signal Inbox classifies every reply as interested, objection, referral, "
            "out-of-office or unsubscribe with 94% accuracy, pauses the sequence and "
            "routes hot replies to the owner within two minutes.",
            "Relay Dialer is a power dialer with local presence numbers in 42 countries, "
            "call recording, voicemail drop and live transcription in English, Spanish, "
            "German and French.",
            "Lighthouse scoring ranks every prospect by fit and intent, blending firmographic "
            "data with engagement signals, so reps always know whom to call next.",
            "Deal Pulse scores pipeline health and produces a weekly forecast with a "
            "confidence band; it is part of the Enterprise plan.",
        ]),
        ("Who it is for", [
            "Sales development representatives, account executives and their managers; "
            "revenue operations teams who own the tooling; and the CRO who needs one "
            "view of activity, pipeline and forecast.",
        ]),
    ]),
    ("Integrations", [
        (None, [
            "Northwind Relay connects to the systems a revenue team already runs. "
            "Records are matched on e-mail address and CRM id, and duplicates are "
            "merged automatically.",
        ]),
        ("CRM", [
            "Native connectors for Salesforce, HubSpot, Microsoft Dynamics 365 and "
            "Pipedrive. The Switchyard sync engine keeps contacts, accounts, "
            "opportunities and activities in bidirectional sync every 90 seconds, with "
            "field-level mapping and conflict rules that an admin sets once.",
        ]),
        ("Email, calendar and meetings", [
            "Gmail and Google Workspace, Outlook and Microsoft 365 for sending and "
            "reply tracking; Google Calendar and Outlook Calendar for the meeting "
            "scheduler; Zoom, Google Meet and Microsoft Teams links are added to every "
            "booked meeting.",
        ]),
        ("Collaboration and data", [
            "Slack and Microsoft Teams alerts for hot replies and stalled deals. Gong "
            "call recordings can be imported for coaching. A nightly Snowflake export "
            "and a Zapier app cover the long tail.",
        ]),
        ("Relay Connect API", [
            "The Relay Connect REST API exposes prospects, sequences, activities and "
            "analytics, with webhooks for replies and meeting bookings. Each workspace "
            "may make 600 requests per minute; OAuth 2.0 client credentials secure it.",
        ]),
    ]),
    ("Security and compliance", [
        (None, [
            "Customer data is encrypted with AES-256 at rest and TLS 1.3 in transit. "
            "Workspaces are hosted in the United States (Oregon) or the European Union "
            "(Frankfurt), chosen at sign-up, and data never leaves the chosen region.",
        ]),
        ("Certifications", [
            "Northwind Relay holds a SOC 2 Type II report, audited every year by Kestrel "
            "and Vane LLP, and an ISO/IEC 27001:2022 certificate. We support GDPR and "
            "CCPA obligations with a data processing addendum and standard contractual "
            "clauses.",
        ]),
        ("Access control", [
            "SAML 2.0 single sign-on with Okta, Microsoft Entra ID and Google; SCIM 2.0 "
            "provisioning; 14 built-in roles plus custom roles; IP allow-lists and an "
            "audit log kept for 400 days.",
        ]),
        ("Testing and resilience", [
            "Independent penetration tests run twice a year, performed by Bramblecrest "
            "Security, and a public bug bounty rewards findings. The Enterprise plan "
            "carries a 99.95% uptime SLA; backups give a recovery point objective of "
            "15 minutes and a recovery time objective of 4 hours.",
        ]),
    ]),
]

# ---- pricing-playbook.docx ------------------------------------------------------
PLAYBOOK_TITLE = "Northwind Relay Pricing Playbook"
PRICING_TABLE = [
    ("Plan", "Price per seat per month (annual)", "Seats", "Includes"),
    ("Starter", "$39", "1 to 10", "Cadence Studio, Signal Inbox, Gmail and Outlook"),
    ("Growth", "$79", "5 to 250", "Starter plus Relay Dialer, CRM sync, lead scoring"),
    ("Enterprise", "$129", "25 or more", "Growth plus Deal Pulse, SSO and SCIM, 99.95% SLA"),
]
# (heading level, heading, [paragraphs]); level 1 starts a section.
PLAYBOOK = [
    (1, "Pricing tiers", [
        "Northwind Relay is sold per seat, billed annually. Monthly billing is available "
        "on Starter and Growth at a 20% premium. The table below is the list price for "
        "2026.",
        "__TABLE__",
        "Every plan includes onboarding, the Relay Academy courses and e-mail support. "
        "Premium Support, with a named technical account manager and a one-hour response "
        "target, costs $18 per seat per month on Growth and is included in Enterprise.",
    ]),
    (1, "Discount rules", [
        "Reps may discount up to 10% off list on their own authority. Discounts from 10% "
        "to 20% need the regional sales manager. Anything beyond 20%, and any non-standard "
        "payment terms, goes to the Discount Desk, which the CRO, Priya Raman, chairs every "
        "Tuesday and Thursday.",
        "Multi-year commitments earn 8% off for two years and 12% off for three years. "
        "Volume pricing starts at 100 seats with an extra 10%. Discounts do not stack beyond "
        "a 30% floor, and we never discount Premium Support.",
        "Quarter-end pressure is not a reason to discount: the deal desk approves end-of-"
        "quarter discounts only when the customer signs a multi-year term.",
    ]),
    (1, "Objection handling", [
        "Use the Three-Column Rebuttal: acknowledge the concern, reframe it around the "
        "outcome the buyer told you they want, then give evidence from a named customer.",
    ]),
    (2, "Price: \"It is too expensive\"", [
        "Acknowledge that budgets are tight. Reframe around cost per booked meeting rather "
        "than cost per seat: a Growth seat at $79 pays for itself if a rep books two extra "
        "meetings a month. Offer the payback calculator and, for a CFO, the ROI worksheet "
        "that shows payback within one quarter at Harborline-like reply rates.",
    ]),
    (2, "Timing: \"Not the right time, come back next quarter\"", [
        "Ask what changes next quarter. If a hiring plan is coming, show that ramping new "
        "reps on Northwind Relay takes weeks rather than months. Offer a paid pilot of 30 "
        "days for up to 15 seats that converts to an annual contract, so the team starts "
        "now and the budget lands later.",
    ]),
    (2, "Competitor: \"We already use Cadenzo\"", [
        "Compared to Cadenzo, Northwind Relay syncs with the CRM every 90 seconds instead "
        "of hourly and includes the dialer in Growth. Teams that switch from Cadenzo or "
        "PipeRocket get our migration service, which imports sequences and templates in "
        "under a week, and we honour their remaining contract months at no charge for up "
        "to six months.",
    ]),
    (1, "Discovery questions", [
        "Ask the compass questions before you quote a price:",
        "1. How many reps prospect today, and how many will you hire this year?",
        "2. How long does it take a new rep to reach full quota?",
        "3. Which CRM is the system of record, and who owns it?",
        "4. What reply rate and meeting rate do your sequences get now?",
        "5. Who signs off on tools like this: the VP of Sales, the CFO or procurement?",
        "6. What would make this project a success in six months?",
    ]),
]

# ---- case-study.pptx: six slides ---------------------------------------------------
CASE_STUDY_TITLE = "Harborline Logistics case study"
# (title, [bullets], speaker notes)
CASE_STUDY = [
    ("Harborline Logistics grows pipeline with Northwind Relay",
     ["Freight forwarding, 140 sales reps in 9 offices",
      "Customer since March 2025, Enterprise plan"],
     "Open with the headline: Harborline is our reference logistics customer. "
     "Keep this slide under a minute."),
    ("The challenge",
     ["New reps needed 5.5 months to reach full quota",
      "Reply rate of 2.1% on cold email",
      "Activity lived in a patchwork of spreadsheets and mail merges"],
     "Stress the spreadsheet patchwork: managers could not see who had contacted "
     "which shipper, so accounts were double-called."),
    ("The solution",
     ["Cadence Studio sequences for each freight lane",
      "Signal Inbox triage for inbound replies",
      "Salesforce sync and Relay Dialer with local presence",
      "Rolled out in six weeks by the Ironbridge rollout team"],
     "The Ironbridge rollout team is our professional-services squad; mention that "
     "Harborline had no admin of its own."),
    ("The results",
     ["Cut ramp time by 38%, from 5.5 to 3.4 months",
      "Reply rates up from 2.1% to 6.4%",
      "$4.2M of new pipeline in two quarters",
      "Reps saved 6 hours per week on manual logging"],
     "Show the Gantry dashboard from the Harborline workspace if the prospect asks "
     "how the figures were measured."),
    ("In their words",
     ["\"We stopped guessing who to call next. Northwind Relay made our new hires "
      "productive in half the time we budgeted.\"",
      "Marisol Okafor, VP of Sales, Harborline Logistics"],
     "Marisol is happy to take reference calls with prospects in logistics and "
     "manufacturing; book them through the customer marketing team."),
    ("What comes next",
     ["Expanding to the Rotterdam office in 2026",
      "Piloting Deal Pulse for the quarterly forecast",
      "Target: 8% reply rate by year end"],
     "Close by asking whether the prospect faces the same ramp problem; offer the "
     "30-day pilot."),
]

# ---- faq.md ------------------------------------------------------------------------
FAQ_TITLE = "Northwind Relay FAQ"
# (section, [(question, answer)])
FAQ = [
    ("Getting started", [
        ("How long does onboarding take?",
         "Most teams are live in two to three weeks. The Tidewater onboarding program "
         "pairs every new workspace with an onboarding specialist for the first 21 days "
         "and ends with a sequence review."),
        ("Is there a trial?",
         "Yes: a free sandbox for 14 days with sample prospects, so reps can practise "
         "without e-mailing real buyers."),
    ]),
    ("Data and privacy", [
        ("Where is our data stored?",
         "In the region you choose at sign-up, Oregon or Frankfurt. Our subprocessor "
         "list is published and we give 30 days' notice before adding one."),
        ("Can we delete a prospect completely?",
         "Yes. A right-to-be-forgotten request erases the prospect, their activities and "
         "recordings within 72 hours and adds them to a suppression list."),
    ]),
    ("Billing", [
        ("Can we pay by invoice?",
         "Annual plans can be paid by invoice with net-30 terms, by card or by ACH "
         "transfer. Invoices are issued in USD, EUR or GBP."),
        ("What happens if we add seats mid-term?",
         "Added seats are co-termed with the current contract and prorated to the day, "
         "so every seat renews on the same date."),
    ]),
    ("Support", [
        ("What support is included?",
         "E-mail and chat support from 6:00 to 18:00 in your region on business days, "
         "the Relay Academy library, and a community forum called the Wharf."),
        ("Do you have a status page?",
         "Yes, the status page reports incidents and scheduled maintenance, which we "
         "announce at least five days ahead."),
    ]),
]

# Words or phrases that occur in exactly one place of the samples: the file,
# the 1-based page or slide (None for flat files) and the heading that must
# appear in the chunk's section path (None: not asserted).
MARKERS = [
    ("Lighthouse", "product-sheet.pdf", 1, None),
    ("Switchyard", "product-sheet.pdf", 2, None),
    ("Bramblecrest", "product-sheet.pdf", 3, None),
    ("Discount Desk", "pricing-playbook.docx", None, "Discount rules"),
    ("Three-Column Rebuttal", "pricing-playbook.docx", None, "Objection handling"),
    ("compass", "pricing-playbook.docx", None, "Discovery questions"),
    ("patchwork", "case-study.pptx", 2, None),
    ("Ironbridge", "case-study.pptx", 3, None),
    ("Gantry", "case-study.pptx", 4, None),  # in the speaker notes
    ("Rotterdam", "case-study.pptx", 6, None),
    ("Tidewater", "faq.md", None, "Getting started"),
    ("Wharf", "faq.md", None, "Support"),
]
