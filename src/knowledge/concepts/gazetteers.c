/* SPDX-License-Identifier: MIT */
/*
 * The word lists and phrase gazetteers behind the concept rules: stopwords,
 * common words, generic acronyms, change and benefit verbs, units, and the
 * objection, industry, persona, feature and cue phrases with their
 * canonical names.
 *
 * Everything is a static const table written to be read and extended by
 * hand. On first use (pthread_once) the word lists are merged into one
 * sorted lexicon (a word may sit in several lists; its class bits are
 * OR-ed) and the phrases are split into words and indexed by their first
 * word. Nothing changes after that, so lookups need no lock.
 */
#include "knowledge/concepts/concepts_int.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- word lists ---------------------------------------------------------- */

/* Snowball's English stopword list plus words that carry no topic in sales
 * prose ("also", "via", "get", "new"). Keyphrases never contain them. */
static const char *const STOPWORDS[] = {
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "would",
    "should",
    "could",
    "ought",
    "i'm",
    "you're",
    "he's",
    "she's",
    "it's",
    "we're",
    "they're",
    "i've",
    "you've",
    "we've",
    "they've",
    "i'd",
    "you'd",
    "he'd",
    "she'd",
    "we'd",
    "they'd",
    "i'll",
    "you'll",
    "he'll",
    "she'll",
    "we'll",
    "they'll",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "hasn't",
    "haven't",
    "hadn't",
    "doesn't",
    "don't",
    "didn't",
    "won't",
    "wouldn't",
    "shan't",
    "shouldn't",
    "can't",
    "cannot",
    "couldn't",
    "mustn't",
    "let's",
    "that's",
    "who's",
    "what's",
    "here's",
    "there's",
    "when's",
    "where's",
    "why's",
    "how's",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    /* additions */
    "will",
    "can",
    "may",
    "might",
    "must",
    "shall",
    "also",
    "via",
    "per",
    "vs",
    "versus",
    "etc",
    "just",
    "one",
    "get",
    "gets",
    "got",
    "getting",
    "use",
    "uses",
    "used",
    "using",
    "make",
    "makes",
    "made",
    "new",
    "like",
    "every",
    "much",
    "many",
    "well",
    "even",
    "yet",
    "still",
    "within",
    "without",
    "across",
    "upon",
    "whether",
    "including",
    "include",
    "includes",
    "need",
    "needs",
    "way",
    "ways",
    "lot",
    "lots",
    "really",
    "always",
    "never",
    "now",
    "today",
    "already",
    "around",
    "back",
    "less",
    "us",
    "let",
    "lets",
    "e.g",
    "i.e",
    "yes",
    "since",
    "among",
    "along",
    "toward",
    "towards",
    "whose",
    "whatever",
    "whenever",
    "wherever",
    "another",
    "either",
    "neither",
    "though",
    "although",
    "unless",
    "however",
    "thus",
    "therefore",
    "via",
    "ever",
    "often",
    "instead",
    "rather",
    "quite",
    "almost",
    "nearly",
    "enough",
    "able",
    "want",
    "wants",
    "see",
    "sees",
    "take",
    "takes",
    "put",
    "know",
    "say",
    "says",
    "said",
    "come",
    "comes",
    "give",
    "gives",
    "keep",
    "keeps",
    "find",
    "work",
    "works",
    "help",
    "helps",
    "helping",
    "thing",
    "things",
    "something",
    "anything",
    "everything",
    "nothing",
    "someone",
    "anyone",
    "everyone",
    "two",
    "three",
    "first",
    "second",
    "last",
    "next",
    "best",
    "better",
    "good",
    "great",
    "right",
    "sure",
    "x",
};

/* Words that, capitalised at the start of a sentence or heading (or at the
 * ends of a capitalised run), are not part of a name. Stopwords, months
 * and weekdays count too. */
static const char *const COMMON[] = {
    "key",       "why",        "how",       "what",       "introducing", "meet",
    "learn",     "book",       "contact",   "start",      "try",         "request",
    "download",  "read",       "watch",     "join",       "explore",     "discover",
    "ask",       "today",      "tomorrow",  "yesterday",  "now",         "here",
    "plus",      "unlike",     "compared",  "overview",   "summary",     "faq",
    "faqs",      "note",       "notes",     "tip",        "tips",        "step",
    "steps",     "results",    "result",    "challenge",  "challenges",  "solution",
    "solutions", "customer",   "customers", "team",       "teams",       "pricing",
    "price",     "prices",     "plan",      "plans",      "feature",     "features",
    "benefit",   "benefits",   "about",     "company",    "product",     "products",
    "case",      "study",      "story",     "quote",      "questions",   "question",
    "answer",    "answers",    "objection", "objections", "response",    "responses",
    "ready",     "free",       "annual",    "monthly",    "billed",      "save",
    "cut",       "reduce",     "increase",  "improve",    "boost",       "grow",
    "lower",     "raise",      "double",    "triple",     "fast",        "faster",
    "easy",      "simple",     "powerful",  "built",      "designed",    "trusted",
    "loved",     "every",      "each",      "most",       "many",        "some",
    "several",   "both",       "either",    "neither",    "once",        "after",
    "before",    "during",     "since",     "while",      "because",     "although",
    "though",    "if",         "unless",    "until",      "when",        "whether",
    "also",      "then",       "thus",      "however",    "still",       "yet",
    "only",      "even",       "just",      "instead",    "finally",     "first",
    "second",    "third",      "last",      "next",       "new",         "more",
    "less",      "fewer",      "better",    "best",       "great",       "good",
    "real",      "true",       "full",      "total",      "average",     "up",
    "down",      "over",       "under",     "per",        "yes",         "no",
    "not",       "none",       "nobody",    "everyone",   "anyone",      "someone",
    "our",       "your",       "their",     "its",        "my",          "his",
    "her",       "we",         "you",       "they",       "it",          "he",
    "she",       "i",          "us",        "them",       "this",        "that",
    "these",     "those",      "there",     "where",      "who",         "which",
    "whose",     "with",       "without",   "for",        "from",        "into",
    "onto",      "to",         "in",        "on",         "at",          "by",
    "of",        "as",         "an",        "a",          "the",         "and",
    "or",        "but",        "nor",       "so",         "than",        "too",
    "very",      "all",        "any",       "other",      "another",     "such",
    "own",       "same",       "few",       "can",        "will",        "would",
    "should",    "could",      "may",       "might",      "must",        "shall",
    "do",        "does",       "did",       "is",         "are",         "was",
    "were",      "be",         "been",      "being",      "have",        "has",
    "had",       "get",        "see",       "use",        "make",        "take",
    "let",       "lets",       "help",      "helps",      "need",        "needs",
    "want",      "wants",      "go",        "built-in",   "enterprise",  "professional",
    "starter",   "standard",   "basic",     "premium",    "business",    "growth",
    "team",      "teams",      "sales",     "marketing",  "support",     "security",
    "finance",   "operations", "revenue",   "data",       "ai",          "q1",
    "q2",        "q3",         "q4",        "mr",         "mrs",         "ms",
    "dr",
};

/* Months and weekdays: capitalised, but never products. */
static const char *const MONTHS[] = {
    "january",   "february", "march",     "april",    "may",    "june",     "july",   "august",
    "september", "october",  "november",  "december", "jan",    "feb",      "mar",    "apr",
    "jun",       "jul",      "aug",       "sep",      "sept",   "oct",      "nov",    "dec",
    "monday",    "tuesday",  "wednesday", "thursday", "friday", "saturday", "sunday", "mon",
    "tue",       "tues",     "wed",       "thu",      "thurs",  "fri",      "sat",    "sun",
};

/* Acronyms every B2B text uses: capitalised, recurring, but not products
 * or competitors. */
static const char *const ACRONYMS[] = {
    "api",  "apis",  "crm",  "crms", "roi",  "sla", "slas", "sso",     "saas", "kpi",   "kpis",
    "ai",   "ml",    "erp",  "hr",   "it",   "ui",  "ux",   "pdf",     "csv",  "faq",   "soc",
    "gdpr", "hipaa", "iso",  "usd",  "eur",  "gbp", "us",   "uk",      "eu",   "usa",   "b2b",
    "b2c",  "arr",   "mrr",  "nps",  "csat", "sdk", "saml", "scim",    "okr",  "okrs",  "tco",
    "ceo",  "cfo",   "cto",  "cio",  "ciso", "coo", "cmo",  "cro",     "vp",   "svp",   "evp",
    "sdr",  "sdrs",  "bdr",  "bdrs", "ae",   "aes", "csm",  "csms",    "rfp",  "rfps",  "poc",
    "mvp",  "llm",   "llms", "gpu",  "cpu",  "sql", "json", "xml",     "http", "https", "url",
    "rest", "ok",    "pst",  "est",  "utc",  "gmt", "inc",  "llc",     "ltd",  "tm",    "q1",
    "q2",   "q3",    "q4",   "fy",   "yoy",  "qoq", "mom",  "ebitda",  "cac",  "ltv",   "acv",
    "tcv",  "gtm",   "abm",  "seo",  "sem",  "ppc", "cpc",  "cpm",     "smb",  "smbs",  "msp",
    "isv",  "oem",   "pii",  "phi",  "pci",  "dss", "ccpa", "fedramp", "mfa",  "2fa",   "rbac",
    "vpn",  "aws",   "ios",
};

/* Determiners and possessives skipped before a feature or benefit noun
 * phrase ("supports *the* ...", "reduces *your* churn"). */
static const char *const DETERMINERS[] = {
    "a",
    "an",
    "the",
    "our",
    "your",
    "their",
    "its",
    "his",
    "her",
    "my",
    "this",
    "that",
    "these",
    "those",
    "every",
    "each",
    "any",
    "some",
    "all",
    "full",
    "robust",
    "seamless",
    "native",
    "deep",
    "powerful",
    "advanced",
    "automatic",
    "automated",
    "customizable",
    "customisable",
    "flexible",
    "comprehensive",
    "enterprise-grade",
};

/* Change verbs: the word that makes a number a proof point. All forms. */
static const char *const CHANGE_VERBS[] = {
    "cut",         "cuts",        "cutting",      "reduce",    "reduces",    "reduced",
    "reducing",    "increase",    "increases",    "increased", "increasing", "improve",
    "improves",    "improved",    "improving",    "save",      "saves",      "saved",
    "saving",      "grow",        "grows",        "grew",      "grown",      "growing",
    "boost",       "boosts",      "boosted",      "boosting",  "lower",      "lowers",
    "lowered",     "lowering",    "shorten",      "shortens",  "shortened",  "shortening",
    "drop",        "drops",       "dropped",      "dropping",  "raise",      "raises",
    "raised",      "raising",     "double",       "doubles",   "doubled",    "doubling",
    "triple",      "triples",     "tripled",      "tripling",  "halve",      "halved",
    "halves",      "decrease",    "decreases",    "decreased", "decreasing", "accelerate",
    "accelerates", "accelerated", "accelerating", "speed",     "sped",       "fell",
    "fall",        "falls",       "rose",         "rise",      "rises",      "jumped",
    "jump",        "jumps",       "climbed",      "declined",  "shrank",     "shrunk",
    "slashed",     "slash",       "slashes",      "trimmed",   "eliminated", "eliminate",
    "eliminates",  "generated",   "generate",     "generates", "added",      "recovered",
    "won",         "closed",      "achieved",     "achieve",   "achieves",   "delivered",
    "drove",       "drive",       "drives",       "lifted",    "lift",       "lifts",
    "expanded",    "gained",      "freed",        "reclaimed", "avoided",    "went",
};

/* Change verbs that can stand without an object: "support tickets dropped
 * 25%", "churn fell by a third". Their subject belongs to the phrase. */
static const char *const INTRANSITIVE[] = {
    "dropped", "drops",     "fell",      "falls",     "rose",        "rises",    "grew",
    "grows",   "increased", "increases", "decreased", "decreases",   "improved", "improves",
    "jumped",  "jumps",     "climbed",   "declined",  "shrank",      "doubled",  "tripled",
    "halved",  "went",      "lifted",    "expanded",  "accelerated",
};

/* After a multiplier or percentage: "3x faster", "40% more pipeline",
 * "25% reduction in churn". */
static const char *const COMPARATIVES[] = {
    "faster",    "quicker",      "sooner",     "more",     "fewer",      "less",
    "higher",    "lower",        "better",     "cheaper",  "shorter",    "longer",
    "larger",    "bigger",       "greater",    "smaller",  "increase",   "decrease",
    "reduction", "improvement",  "lift",       "uplift",   "growth",     "gain",
    "boost",     "jump",         "rise",       "drop",     "savings",    "return",
    "roi",       "productivity", "efficiency", "accuracy", "conversion", "uptime",
};

/* Between a change verb or noun and its number: "by", "to", "from". */
static const char *const METRIC_PREPS[] = {
    "by",    "to",     "from",  "in",         "within",  "under",
    "over",  "than",   "of",    "up",         "nearly",  "almost",
    "about", "around", "only",  "just",       "roughly", "approximately",
    "more",  "less",   "at",    "down",       "over",    "another",
    "an",    "a",      "extra", "additional",
};

static const char *const TIME_UNITS[] = {
    "second", "seconds", "sec",      "secs", "minute", "minutes", "min",
    "mins",   "hour",    "hours",    "hr",   "hrs",    "day",     "days",
    "week",   "weeks",   "wk",       "wks",  "month",  "months",  "mo",
    "mos",    "quarter", "quarters", "year", "years",  "yr",      "yrs",
};

/* Who a product helps: "helps *sales teams* close deals". */
static const char *const PEOPLE[] = {
    "you",           "us",        "them",         "team",          "teams",
    "rep",           "reps",      "seller",       "sellers",       "manager",
    "managers",      "leader",    "leaders",      "customer",      "customers",
    "company",       "companies", "organization", "organizations", "organisation",
    "organisations", "business",  "businesses",   "user",          "users",
    "agent",         "agents",    "marketer",     "marketers",     "buyer",
    "buyers",        "everyone",  "people",       "sales",         "your",
    "their",         "our",       "revenue",      "support",       "marketing",
    "admins",        "admin",     "engineers",    "developers",    "it",
    "finance",       "staff",     "employees",    "account",       "executives",
    "frontline",
};

/* Nouns that make a noun phrase a feature after a weak cue ("supports
 * custom dashboards", "with call recording"). */
static const char *const FEATURE_HEADS[] = {
    "dashboard",     "dashboards",    "analytics",
    "reporting",     "report",        "reports",
    "alert",         "alerts",        "forecasting",
    "forecast",      "forecasts",     "sign-on",
    "sso",           "api",           "apis",
    "workflow",      "workflows",     "template",
    "templates",     "automation",    "automations",
    "integration",   "integrations",  "permission",
    "permissions",   "roles",         "log",
    "logs",          "encryption",    "recording",
    "recordings",    "transcription", "transcriptions",
    "coaching",      "scoring",       "tracking",
    "notifications", "notification",  "sync",
    "search",        "export",        "exports",
    "import",        "imports",       "editor",
    "builder",       "scheduling",    "routing",
    "playbook",      "playbooks",     "sequences",
    "connector",     "connectors",    "webhook",
    "webhooks",      "sandbox",       "authentication",
    "provisioning",  "backup",        "backups",
    "app",           "apps",          "portal",
    "chat",          "chatbot",       "assistant",
    "copilot",       "summaries",     "insights",
    "scorecards",    "scorecard",     "views",
    "filters",       "tagging",       "enrichment",
    "sequencing",    "dialer",        "inbox",
    "calendar",      "signatures",    "approvals",
    "audit",         "trail",         "controls",
    "access",        "residency",     "deduplication",
    "mapping",       "plugin",        "plugins",
    "extension",     "extensions",    "widget",
    "widgets",       "sdk",           "cli",
    "mode",          "monitoring",    "attribution",
    "segmentation",  "library",
};

/* Adjectives before "feature(s)" that do not name one ("key features"). */
static const char *const FEATURE_ADJ[] = {
    "key",       "new",      "advanced",  "powerful", "core",       "main",       "premium",
    "top",       "great",    "best",      "latest",   "additional", "other",      "many",
    "more",      "most",     "all",       "these",    "those",      "our",        "your",
    "its",       "their",    "the",       "a",        "an",         "enterprise", "useful",
    "important", "favorite", "favourite", "standout", "unique",     "security",   "some",
    "basic",     "standard", "missing",
};

/* Abbreviations whose period does not end a sentence ("vs. Gong"). */
static const char *const ABBREVIATIONS[] = {
    "vs", "etc", "e.g", "i.e", "inc", "ltd",  "co",  "corp", "mr",  "mrs", "ms", "dr", "approx",
    "no", "st",  "jr",  "sr",  "fig", "dept", "est", "avg",  "min", "max", "mo", "yr", "hr",
};

static const char *const CURRENCY_CODES[] = {"usd", "eur", "gbp", "cad", "aud",
                                             "chf", "nzd", "sgd", "inr", "jpy"};

/* "$10k", "$1.2M", "$2 million". */
static const char *const MONEY_SUFFIXES[] = {"k", "m",       "mm",      "bn",
                                             "b", "million", "billion", "thousand"};

/* Billing periods written as one word after an amount. */
static const char *const PERIODS[] = {"monthly",  "annually", "yearly", "quarterly",
                                      "one-time", "upfront",  "weekly"};

/* What a price is per: "per seat", "/user/mo", "a month". */
static const char *const PRICE_UNITS[] = {
    "seat",     "seats",    "user",      "users",    "month",        "months",   "mo",
    "year",     "years",    "yr",        "annum",    "license",      "licence",  "licenses",
    "agent",    "agents",   "rep",       "reps",     "member",       "members",  "person",
    "host",     "team",     "workspace", "org",      "organization", "account",  "accounts",
    "contact",  "contacts", "minute",    "hour",     "day",          "week",     "quarter",
    "gb",       "tb",       "call",      "calls",    "request",      "requests", "location",
    "site",     "device",   "endpoint",  "employee", "employees",    "admin",    "editor",
    "instance", "server",   "node",      "unit",
};

/* Nouns that make a money amount a proof point: "$2M in savings". */
static const char *const MONEY_NOUNS[] = {
    "savings", "revenue", "pipeline", "arr",     "mrr",   "bookings", "sales",  "value",
    "cost",    "costs",   "profit",   "profits", "spend", "overhead", "upsell", "expansion",
};

static const char *const PERCENT_WORDS[] = {"percent", "pct", "percentage"};

static const char *const HELP_WORDS[] = {"help", "helps", "helping", "helped"};

/* "Gong alternative": the competitor is named just before. */
static const char *const COMP_AFTER[] = {"alternative", "alternatives"};

/* Skipped between a competitive cue and the name it introduces:
 * "competitors *such as* Gong", "switched from *legacy tools like* Clari". */
static const char *const COMP_SKIP[] = {
    "like",      "such",     "as",        "including", "include", "includes", "the",
    "a",         "an",       "legacy",    "your",      "our",     "their",    "old",
    "existing",  "current",  "incumbent", "tools",     "tool",    "vendors",  "vendor",
    "platforms", "platform", "products",  "solutions", "e.g",     "namely",
};

/* Benefit verbs with their base form: "reduces churn" -> "reduce churn". */
static const struct {
    const char *form, *base;
} BENEFIT_VERBS[] = {
    {"reduce", "reduce"},
    {"reduces", "reduce"},
    {"reducing", "reduce"},
    {"cut", "cut"},
    {"cuts", "cut"},
    {"cutting", "cut"},
    {"save", "save"},
    {"saves", "save"},
    {"saving", "save"},
    {"improve", "improve"},
    {"improves", "improve"},
    {"improving", "improve"},
    {"increase", "increase"},
    {"increases", "increase"},
    {"increasing", "increase"},
    {"boost", "boost"},
    {"boosts", "boost"},
    {"boosting", "boost"},
    {"grow", "grow"},
    {"grows", "grow"},
    {"growing", "grow"},
    {"accelerate", "accelerate"},
    {"accelerates", "accelerate"},
    {"accelerating", "accelerate"},
    {"shorten", "shorten"},
    {"shortens", "shorten"},
    {"shortening", "shorten"},
    {"eliminate", "eliminate"},
    {"eliminates", "eliminate"},
    {"eliminating", "eliminate"},
    {"streamline", "streamline"},
    {"streamlines", "streamline"},
    {"streamlining", "streamline"},
    {"simplify", "simplify"},
    {"simplifies", "simplify"},
    {"simplifying", "simplify"},
    {"automate", "automate"},
    {"automates", "automate"},
    {"automating", "automate"},
    {"maximize", "maximize"},
    {"maximizes", "maximize"},
    {"maximise", "maximise"},
    {"maximises", "maximise"},
    {"minimize", "minimize"},
    {"minimizes", "minimize"},
    {"minimise", "minimise"},
    {"minimises", "minimise"},
    {"prevent", "prevent"},
    {"prevents", "prevent"},
    {"raise", "raise"},
    {"raises", "raise"},
    {"drive", "drive"},
    {"drives", "drive"},
    {"driving", "drive"},
    {"lower", "lower"},
    {"lowers", "lower"},
    {"lowering", "lower"},
    {"protect", "protect"},
    {"protects", "protect"},
    {"speed", "speed"},
    {"speeds", "speed"},
    {"unlock", "unlock"},
    {"unlocks", "unlock"},
    {"eliminate", "eliminate"},
    {"optimize", "optimize"},
    {"optimizes", "optimize"},
    {"optimise", "optimise"},
    {"optimises", "optimise"},
    {"enhance", "enhance"},
    {"enhances", "enhance"},
    {"win", "win"},
    {"wins", "win"},
};

/* ---- phrases ------------------------------------------------------------- */

typedef struct {
    uint8_t kind, mode;
    const char *text;  /* words; '*' matches 0-2 words; capitals match exactly */
    const char *canon; /* canonical name */
    const char *not_after;
} pat_src_t;

#define OBJ(t, c)                                                                                  \
    { KP_OBJECTION, 0, t, c, NULL }
#define OBJ_NA(t, c, n)                                                                            \
    { KP_OBJECTION, 0, t, c, n }
#define IND(t, c)                                                                                  \
    { KP_INDUSTRY, 0, t, c, NULL }
#define PER(t, c)                                                                                  \
    { KP_PERSONA, 0, t, c, NULL }
#define FEAT(t, c)                                                                                 \
    { KP_FEATURE, 0, t, c, NULL }
#define FCUE(t, m)                                                                                 \
    { KP_FEATCUE, m, t, NULL, NULL }
#define BCUE(t)                                                                                    \
    { KP_BENCUE, 0, t, NULL, NULL }
#define CCUE(t)                                                                                    \
    { KP_COMPCUE, 0, t, NULL, NULL }

static const pat_src_t PATTERNS[] = {
    /* Objections -> canonical name. */
    OBJ("too expensive", "price too high"),
    OBJ("too pricey", "price too high"),
    OBJ("too costly", "price too high"),
    OBJ("price is too high", "price too high"),
    OBJ("pricing is too high", "price too high"),
    OBJ("prices are too high", "price too high"),
    OBJ("price too high", "price too high"),
    OBJ("costs too much", "price too high"),
    OBJ("cost too much", "price too high"),
    OBJ("overpriced", "price too high"),
    OBJ("can't afford", "price too high"),
    OBJ("cannot afford", "price too high"),
    OBJ("out of our price range", "price too high"),
    OBJ("no budget", "no budget"),
    OBJ("don't have * budget", "no budget"),
    OBJ("do not have * budget", "no budget"),
    OBJ("budget is tight", "no budget"),
    OBJ("budgets are tight", "no budget"),
    OBJ("tight budget", "no budget"),
    OBJ("budget constraints", "no budget"),
    OBJ("budget freeze", "no budget"),
    OBJ("lack of budget", "no budget"),
    OBJ("out of budget", "no budget"),
    OBJ("not in the budget", "no budget"),
    OBJ("not a priority", "not a priority"),
    OBJ("not a top priority", "not a priority"),
    OBJ("not a priority right now", "not a priority"),
    OBJ("low priority", "not a priority"),
    OBJ("other priorities", "not a priority"),
    OBJ("not the right time", "timing"),
    OBJ("bad timing", "timing"),
    OBJ("timing isn't right", "timing"),
    OBJ("timing is not right", "timing"),
    OBJ("timing is off", "timing"),
    OBJ("maybe next quarter", "timing"),
    OBJ("revisit * next quarter", "timing"),
    OBJ("revisit * next year", "timing"),
    OBJ("circle back * next quarter", "timing"),
    OBJ("not right now", "timing"),
    OBJ_NA("no time", "no time", "in"),
    OBJ("don't have * time", "no time"),
    OBJ("do not have * time", "no time"),
    OBJ("too busy", "no time"),
    OBJ("not enough time", "no time"),
    OBJ("no bandwidth", "no time"),
    OBJ("don't have * bandwidth", "no time"),
    OBJ("lack of bandwidth", "no time"),
    OBJ("already use", "using a competitor"),
    OBJ("already using", "using a competitor"),
    OBJ("already have", "using a competitor"),
    OBJ("already work with", "using a competitor"),
    OBJ("already signed with", "using a competitor"),
    OBJ("current vendor", "using a competitor"),
    OBJ("current provider", "using a competitor"),
    OBJ("happy with * current", "happy with current solution"),
    OBJ("happy with * existing", "happy with current solution"),
    OBJ("satisfied with * current", "happy with current solution"),
    OBJ("satisfied with * existing", "happy with current solution"),
    OBJ("works fine for us", "happy with current solution"),
    OBJ("security concerns", "security concerns"),
    OBJ("security concern", "security concerns"),
    OBJ("concerned about security", "security concerns"),
    OBJ("worried about security", "security concerns"),
    OBJ("security risk", "security concerns"),
    OBJ("security risks", "security concerns"),
    OBJ("compliance concerns", "compliance concerns"),
    OBJ("privacy concerns", "compliance concerns"),
    OBJ("data privacy concerns", "compliance concerns"),
    OBJ("gdpr concerns", "compliance concerns"),
    OBJ("regulatory concerns", "compliance concerns"),
    OBJ("too complex", "too complex"),
    OBJ("too complicated", "too complex"),
    OBJ("hard to use", "too complex"),
    OBJ("difficult to use", "too complex"),
    OBJ("steep learning curve", "too complex"),
    OBJ("not user-friendly", "too complex"),
    OBJ("need approval", "needs approval"),
    OBJ("needs approval", "needs approval"),
    OBJ("need to get approval", "needs approval"),
    OBJ("need * sign-off", "needs approval"),
    OBJ("needs * sign-off", "needs approval"),
    OBJ("run it by", "needs approval"),
    OBJ("check with my boss", "needs approval"),
    OBJ("talk to my boss", "needs approval"),
    OBJ("not the decision maker", "needs approval"),
    OBJ("not my decision", "needs approval"),
    OBJ("board approval", "needs approval"),
    OBJ("locked into * contract", "locked into a contract"),
    OBJ("locked in * contract", "locked into a contract"),
    OBJ("under contract", "locked into a contract"),
    OBJ("contract doesn't end", "locked into a contract"),
    OBJ("implementation risk", "implementation risk"),
    OBJ("implementation risks", "implementation risk"),
    OBJ("risky implementation", "implementation risk"),
    OBJ("hard to implement", "implementation risk"),
    OBJ("difficult to implement", "implementation risk"),
    OBJ("long implementation", "implementation risk"),
    OBJ("implementation takes too long", "implementation risk"),
    OBJ("migration risk", "implementation risk"),
    OBJ("switching costs", "implementation risk"),
    OBJ("too much disruption", "implementation risk"),
    OBJ("unclear roi", "unclear ROI"),
    OBJ("roi is unclear", "unclear ROI"),
    OBJ("not sure about the roi", "unclear ROI"),
    OBJ("no clear roi", "unclear ROI"),
    OBJ("hard to justify", "unclear ROI"),
    OBJ("can't justify", "unclear ROI"),
    OBJ("cannot justify", "unclear ROI"),
    OBJ("not interested", "not interested"),
    OBJ("build it ourselves", "build in-house"),
    OBJ("build our own", "build in-house"),
    OBJ("build in-house", "build in-house"),
    OBJ("built in-house", "build in-house"),
    OBJ("homegrown", "build in-house"),
    OBJ("doesn't integrate", "integration gaps"),
    OBJ("does not integrate", "integration gaps"),
    OBJ("won't integrate", "integration gaps"),
    OBJ("lack of integrations", "integration gaps"),
    OBJ("missing integrations", "integration gaps"),

    /* Industries (the last word may be plural). */
    IND("healthcare", "healthcare"),
    IND("health care", "healthcare"),
    IND("hospital", "healthcare"),
    IND("health system", "healthcare"),
    IND("healthtech", "healthcare"),
    IND("financial services", "financial services"),
    IND("financial institution", "financial services"),
    IND("fintech", "financial services"),
    IND("wealth management", "financial services"),
    IND("asset management", "financial services"),
    IND("banking", "banking"),
    IND("banks", "banking"),
    IND("credit union", "banking"),
    IND("insurance", "insurance"),
    IND("insurer", "insurance"),
    IND("insurtech", "insurance"),
    IND("retail", "retail"),
    IND("retailer", "retail"),
    IND("e-commerce", "e-commerce"),
    IND("ecommerce", "e-commerce"),
    IND("online retail", "e-commerce"),
    IND("online store", "e-commerce"),
    IND("direct-to-consumer", "e-commerce"),
    IND("manufacturing", "manufacturing"),
    IND("manufacturer", "manufacturing"),
    IND("logistics", "logistics"),
    IND("supply chain", "logistics"),
    IND("freight", "logistics"),
    IND("SaaS", "SaaS"),
    IND("software company", "SaaS"),
    IND("software vendor", "SaaS"),
    IND("education", "education"),
    IND("edtech", "education"),
    IND("higher education", "education"),
    IND("university", "education"),
    IND("universities", "education"),
    IND("school", "education"),
    IND("k-12", "education"),
    IND("government", "government"),
    IND("public sector", "government"),
    IND("federal agency", "government"),
    IND("federal agencies", "government"),
    IND("telecommunications", "telecommunications"),
    IND("telecom", "telecommunications"),
    IND("telco", "telecommunications"),
    IND("energy", "energy"),
    IND("utility company", "energy"),
    IND("utility companies", "energy"),
    IND("oil and gas", "energy"),
    IND("renewables", "energy"),
    IND("pharma", "pharma"),
    IND("pharmaceutical", "pharma"),
    IND("life sciences", "pharma"),
    IND("biotech", "pharma"),
    IND("hospitality", "hospitality"),
    IND("hotel", "hospitality"),
    IND("restaurant", "hospitality"),
    IND("real estate", "real estate"),
    IND("property management", "real estate"),
    IND("proptech", "real estate"),
    IND("legal industry", "legal"),
    IND("legal sector", "legal"),
    IND("legal services", "legal"),
    IND("law firm", "legal"),
    IND("media company", "media"),
    IND("media companies", "media"),
    IND("media and entertainment", "media"),
    IND("publishing", "media"),
    IND("publisher", "media"),
    IND("automotive", "automotive"),
    IND("car dealership", "automotive"),
    IND("auto dealer", "automotive"),
    IND("construction", "construction"),
    IND("nonprofit", "nonprofit"),
    IND("non-profit", "nonprofit"),
    IND("professional services", "professional services"),
    IND("consulting firm", "professional services"),
    IND("airline", "travel"),
    IND("travel industry", "travel"),
    IND("transportation", "transportation"),
    IND("agriculture", "agriculture"),

    /* Personas. Words written in capitals match case exactly ("CFO",
     * "CFOs"); the others ignore case. */
    PER("CFO", "CFO"),
    PER("chief financial officer", "CFO"),
    PER("CEO", "CEO"),
    PER("chief executive officer", "CEO"),
    PER("CTO", "CTO"),
    PER("chief technology officer", "CTO"),
    PER("CIO", "CIO"),
    PER("chief information officer", "CIO"),
    PER("CISO", "CISO"),
    PER("chief information security officer", "CISO"),
    PER("COO", "COO"),
    PER("chief operating officer", "COO"),
    PER("CMO", "CMO"),
    PER("chief marketing officer", "CMO"),
    PER("CRO", "CRO"),
    PER("chief revenue officer", "CRO"),
    PER("VP of Sales", "VP of Sales"),
    PER("VP Sales", "VP of Sales"),
    PER("vice president of sales", "VP of Sales"),
    PER("VP of Marketing", "VP of Marketing"),
    PER("VP Marketing", "VP of Marketing"),
    PER("vice president of marketing", "VP of Marketing"),
    PER("head of sales", "head of sales"),
    PER("head of marketing", "head of marketing"),
    PER("head of revenue", "head of revenue"),
    PER("head of customer success", "head of customer success"),
    PER("sales leader", "sales leader"),
    PER("sales leadership", "sales leader"),
    PER("sales manager", "sales manager"),
    PER("frontline manager", "sales manager"),
    PER("marketing manager", "marketing manager"),
    PER("IT admin", "IT admin"),
    PER("IT administrator", "IT admin"),
    PER("system administrator", "IT admin"),
    PER("sysadmin", "IT admin"),
    PER("IT team", "IT team"),
    PER("IT department", "IT team"),
    PER("procurement", "procurement"),
    PER("purchasing team", "procurement"),
    PER("finance team", "finance team"),
    PER("finance department", "finance team"),
    PER("legal team", "legal team"),
    PER("security team", "security team"),
    PER("RevOps", "RevOps"),
    PER("revops", "RevOps"),
    PER("revenue operations", "RevOps"),
    PER("sales ops", "RevOps"),
    PER("sales operations", "RevOps"),
    PER("sales rep", "sales rep"),
    PER("sales representative", "sales rep"),
    PER("account executive", "account executive"),
    PER("AE", "account executive"),
    PER("SDR", "SDR"),
    PER("sales development rep", "SDR"),
    PER("sales development representative", "SDR"),
    PER("BDR", "BDR"),
    PER("customer success manager", "customer success manager"),
    PER("CSM", "customer success manager"),
    PER("sales engineer", "sales engineer"),
    PER("solutions engineer", "sales engineer"),
    PER("founder", "founder"),
    PER("co-founder", "founder"),

    /* Features that are named the same way everywhere. */
    FEAT("single sign-on", "single sign-on"),
    FEAT("SSO", "single sign-on"),
    FEAT("role-based access control", "role-based access control"),
    FEAT("RBAC", "role-based access control"),
    FEAT("audit log", "audit logs"),
    FEAT("audit trail", "audit logs"),
    FEAT("two-factor authentication", "two-factor authentication"),
    FEAT("multi-factor authentication", "multi-factor authentication"),
    FEAT("MFA", "multi-factor authentication"),
    FEAT("SCIM provisioning", "SCIM provisioning"),
    FEAT("REST API", "REST API"),
    FEAT("open API", "REST API"),
    FEAT("webhooks", "webhooks"),
    FEAT("mobile app", "mobile app"),
    FEAT("encryption at rest", "encryption at rest"),
    FEAT("end-to-end encryption", "end-to-end encryption"),

    /* Feature cues. Longer cues win over shorter ones at the same place. */
    FCUE("integrates with", KM_INTEG),
    FCUE("integrate with", KM_INTEG),
    FCUE("integrated with", KM_INTEG),
    FCUE("integration with", KM_INTEG),
    FCUE("integrations with", KM_INTEG),
    FCUE("native integration with", KM_INTEG),
    FCUE("native integrations with", KM_INTEG),
    FCUE("integrations for", KM_INTEG),
    FCUE("connectors for", KM_INTEG),
    FCUE("connects to", KM_INTEG),
    FCUE("connects with", KM_INTEG),
    FCUE("connect to", KM_INTEG),
    FCUE("syncs with", KM_INTEG),
    FCUE("sync with", KM_INTEG),
    FCUE("plugs into", KM_INTEG),
    FCUE("works with", KM_INTEG),
    FCUE("built-in", KM_STRONG),
    FCUE("out-of-the-box", KM_STRONG),
    FCUE("features like", KM_STRONG),
    FCUE("features such as", KM_STRONG),
    FCUE("features include", KM_STRONG),
    FCUE("features including", KM_STRONG),
    FCUE("capabilities like", KM_STRONG),
    FCUE("capabilities include", KM_STRONG),
    FCUE("comes with", KM_STRONG),
    FCUE("ships with", KM_STRONG),
    FCUE("supports", KM_WEAK),
    FCUE("support for", KM_WEAK),
    FCUE("includes", KM_WEAK),
    FCUE("include", KM_WEAK),
    FCUE("offers", KM_WEAK),
    FCUE("offer", KM_WEAK),
    FCUE("provides", KM_WEAK),
    FCUE("provide", KM_WEAK),
    FCUE("gives you", KM_WEAK),
    FCUE("with", KM_HEAD),

    /* Benefit cues: a verb phrase follows. */
    BCUE("so you can"),
    BCUE("so that you can"),
    BCUE("so your team can"),
    BCUE("so your teams can"),
    BCUE("so teams can"),
    BCUE("so reps can"),
    BCUE("so they can"),
    BCUE("so managers can"),
    BCUE("lets you"),
    BCUE("let you"),
    BCUE("lets teams"),
    BCUE("lets reps"),
    BCUE("enables you to"),
    BCUE("enables teams to"),
    BCUE("enable you to"),
    BCUE("allows you to"),
    BCUE("allow you to"),
    BCUE("allows teams to"),
    BCUE("empowers teams to"),
    BCUE("empowers reps to"),

    /* Competitive cues: a competitor's name follows. */
    CCUE("vs"),
    CCUE("versus"),
    CCUE("compared to"),
    CCUE("compared with"),
    CCUE("comparison with"),
    CCUE("switch from"),
    CCUE("switched from"),
    CCUE("switching from"),
    CCUE("switch away from"),
    CCUE("replace"),
    CCUE("replaces"),
    CCUE("replaced"),
    CCUE("replacing"),
    CCUE("migrate from"),
    CCUE("migrated from"),
    CCUE("migrating from"),
    CCUE("moved from"),
    CCUE("moving from"),
    CCUE("move off"),
    CCUE("moved off"),
    CCUE("unlike"),
    CCUE("alternative to"),
    CCUE("alternatives to"),
    CCUE("competitor"),
    CCUE("competitors"),
    CCUE("competes with"),
    CCUE("compete with"),
    CCUE("competing with"),
    CCUE("instead of"),
    CCUE("cheaper than"),
    CCUE("outperforms"),
};

/* ---- compiled tables ----------------------------------------------------- */

static kcon_lex_t *lex;
static size_t nlex;

static kcon_pat_t pats[N_OF(PATTERNS)];
/* First-word index: sorted by word; plural forms of one-word patterns are
 * indexed too so "CFOs" finds "CFO". */
typedef struct {
    char *word;
    uint32_t pat;
} first_t;
static first_t *firsts;
static size_t nfirsts;
static uint32_t *first_pats; /* pattern indices grouped by word, in firsts order */

static pthread_once_t once = PTHREAD_ONCE_INIT;

static int lex_cmp(const void *a, const void *b) {
    const kcon_lex_t *x = a, *y = b;
    return strcmp(x->word, y->word);
}

static int first_cmp(const void *a, const void *b) {
    const first_t *x = a, *y = b;
    int c = strcmp(x->word, y->word);
    if (c != 0) return c;
    return x->pat < y->pat ? -1 : x->pat > y->pat;
}

static void lex_add(kcon_lex_t *tmp, size_t *n, const char *const *words, size_t nw,
                    uint32_t bits) {
    for (size_t i = 0; i < nw; i++) tmp[(*n)++] = (kcon_lex_t){words[i], bits, NULL};
}

static char *lower_dup(const char *s, size_t n) {
    char *d = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        d[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    d[n] = '\0';
    return d;
}

static void build(void) {
    size_t cap = N_OF(STOPWORDS) + N_OF(COMMON) + 2 * N_OF(MONTHS) + N_OF(ACRONYMS) +
                 N_OF(DETERMINERS) + N_OF(CHANGE_VERBS) + N_OF(INTRANSITIVE) + N_OF(COMPARATIVES) +
                 N_OF(METRIC_PREPS) + N_OF(TIME_UNITS) + N_OF(PEOPLE) + N_OF(FEATURE_HEADS) +
                 N_OF(FEATURE_ADJ) + N_OF(ABBREVIATIONS) + N_OF(CURRENCY_CODES) +
                 N_OF(MONEY_SUFFIXES) + N_OF(PERIODS) + N_OF(PRICE_UNITS) + N_OF(MONEY_NOUNS) +
                 N_OF(PERCENT_WORDS) + N_OF(HELP_WORDS) + N_OF(COMP_AFTER) + N_OF(COMP_SKIP) +
                 N_OF(BENEFIT_VERBS);
    kcon_lex_t *tmp = xcalloc(cap, sizeof *tmp);
    size_t n = 0;
    lex_add(tmp, &n, STOPWORDS, N_OF(STOPWORDS), KL_STOP | KL_COMMON);
    lex_add(tmp, &n, COMMON, N_OF(COMMON), KL_COMMON);
    lex_add(tmp, &n, MONTHS, N_OF(MONTHS), KL_MONTH | KL_COMMON);
    lex_add(tmp, &n, ACRONYMS, N_OF(ACRONYMS), KL_ACRONYM);
    lex_add(tmp, &n, DETERMINERS, N_OF(DETERMINERS), KL_DET);
    lex_add(tmp, &n, CHANGE_VERBS, N_OF(CHANGE_VERBS), KL_CHANGE);
    lex_add(tmp, &n, INTRANSITIVE, N_OF(INTRANSITIVE), KL_INTRANS);
    lex_add(tmp, &n, COMPARATIVES, N_OF(COMPARATIVES), KL_COMPAR);
    lex_add(tmp, &n, METRIC_PREPS, N_OF(METRIC_PREPS), KL_MPREP);
    lex_add(tmp, &n, TIME_UNITS, N_OF(TIME_UNITS), KL_TIME);
    lex_add(tmp, &n, PEOPLE, N_OF(PEOPLE), KL_PEOPLE);
    lex_add(tmp, &n, FEATURE_HEADS, N_OF(FEATURE_HEADS), KL_FHEAD);
    lex_add(tmp, &n, FEATURE_ADJ, N_OF(FEATURE_ADJ), KL_FADJ);
    lex_add(tmp, &n, ABBREVIATIONS, N_OF(ABBREVIATIONS), KL_ABBREV);
    lex_add(tmp, &n, CURRENCY_CODES, N_OF(CURRENCY_CODES), KL_CURCODE);
    lex_add(tmp, &n, MONEY_SUFFIXES, N_OF(MONEY_SUFFIXES), KL_MSUFFIX);
    lex_add(tmp, &n, PERIODS, N_OF(PERIODS), KL_PERIOD);
    lex_add(tmp, &n, PRICE_UNITS, N_OF(PRICE_UNITS), KL_PUNIT);
    lex_add(tmp, &n, MONEY_NOUNS, N_OF(MONEY_NOUNS), KL_MNOUN);
    lex_add(tmp, &n, PERCENT_WORDS, N_OF(PERCENT_WORDS), KL_PERCENT);
    lex_add(tmp, &n, HELP_WORDS, N_OF(HELP_WORDS), KL_HELP);
    lex_add(tmp, &n, COMP_AFTER, N_OF(COMP_AFTER), KL_COMPCUE_AFTER);
    lex_add(tmp, &n, COMP_SKIP, N_OF(COMP_SKIP), KL_SKIPCOMP);
    for (size_t i = 0; i < N_OF(BENEFIT_VERBS); i++)
        tmp[n++] = (kcon_lex_t){BENEFIT_VERBS[i].form, KL_BENEFIT, BENEFIT_VERBS[i].base};
    qsort(tmp, n, sizeof *tmp, lex_cmp);
    /* Merge duplicates: one entry per word with every class it is in. */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && strcmp(tmp[m - 1].word, tmp[i].word) == 0) {
            tmp[m - 1].bits |= tmp[i].bits;
            if (tmp[m - 1].base == NULL) tmp[m - 1].base = tmp[i].base;
        } else {
            tmp[m++] = tmp[i];
        }
    }
    lex = tmp;
    nlex = m;

    /* Phrases: split into words, index the first word. */
    size_t fcap = N_OF(PATTERNS) * 3;
    firsts = xcalloc(fcap, sizeof *firsts);
    for (size_t i = 0; i < N_OF(PATTERNS); i++) {
        const pat_src_t *src = &PATTERNS[i];
        kcon_pat_t *p = &pats[i];
        p->kind = src->kind;
        p->mode = src->mode;
        p->canon = src->canon;
        p->not_after = src->not_after;
        p->plural = src->kind == KP_INDUSTRY || src->kind == KP_PERSONA || src->kind == KP_FEATURE;
        const char *s = src->text;
        while (*s != '\0') {
            while (*s == ' ') s++;
            if (*s == '\0') break;
            const char *e = s;
            while (*e != '\0' && *e != ' ') e++;
            if (p->nw == KCON_PAT_MAXW) abort(); /* a table entry is too long */
            bool caps = false;
            for (const char *c = s; c < e; c++) caps |= (*c >= 'A' && *c <= 'Z');
            p->w[p->nw] = s;
            p->wlen[p->nw] = (uint8_t)(e - s);
            p->exact[p->nw] = caps;
            p->nw++;
            s = e;
        }
        if (p->nw == 0 || (p->wlen[0] == 1 && p->w[0][0] == '*')) abort();
        char *fw = lower_dup(p->w[0], p->wlen[0]);
        firsts[nfirsts++] = (first_t){fw, (uint32_t)i};
        if (p->plural && p->nw == 1) {
            size_t l = p->wlen[0];
            char *pl = xmalloc(l + 3);
            memcpy(pl, fw, l);
            memcpy(pl + l, "s", 2);
            firsts[nfirsts++] = (first_t){pl, (uint32_t)i};
            pl = xmalloc(l + 3);
            memcpy(pl, fw, l);
            memcpy(pl + l, "es", 3);
            firsts[nfirsts++] = (first_t){pl, (uint32_t)i};
        }
    }
    qsort(firsts, nfirsts, sizeof *firsts, first_cmp);
    first_pats = xcalloc(nfirsts, sizeof *first_pats);
    for (size_t i = 0; i < nfirsts; i++) first_pats[i] = firsts[i].pat;
}

static void init(void) { pthread_once(&once, build); }

const kcon_lex_t *kcon_lex_find(const char *w, size_t len) {
    init();
    size_t lo = 0, hi = nlex;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *x = lex[mid].word;
        int c = strncmp(x, w, len);
        if (c == 0 && x[len] != '\0') c = 1;
        if (c == 0) return &lex[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void kcon_pat_first(const char *w, size_t len, const uint32_t **out, size_t *n) {
    init();
    *out = NULL;
    *n = 0;
    size_t lo = 0, hi = nfirsts;
    /* Lower bound of w among the sorted first words. */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *x = firsts[mid].word;
        int c = strncmp(x, w, len);
        if (c == 0 && x[len] != '\0') c = 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t e = lo;
    while (e < nfirsts && strncmp(firsts[e].word, w, len) == 0 && firsts[e].word[len] == '\0') e++;
    if (e > lo) {
        *out = &first_pats[lo];
        *n = e - lo;
    }
}

const kcon_pat_t *kcon_pat_get(uint32_t i) {
    init();
    return i < N_OF(PATTERNS) ? &pats[i] : NULL;
}
