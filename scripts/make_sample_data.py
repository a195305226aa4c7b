#!/usr/bin/env python
"""Generate Scout's sample data set: a fictional company's conversation, deterministically.

The story: *Lumina Analytics* (brand account ``@LuminaHQ``) sells the data-observability
platform *Lumina Observe* (with *Lumina Lineage* and *Lumina Pulse*) and launches
*Lumina Observe 3.0* on 2026-10-20. Two competitors (``@DataForgeIO``, ``@QuantaSoft``)
share the market conversation around ``#dataobservability``. About 5,000 accounts in five
interest communities plus ~150 employees talk over the 90 days ending 2026-11-15 on X, on
Lumina's community forum, on LinkedIn and on the internal Slack.

Written files (see ``data/README.md``):

* ``x_pages.jsonl.gz``: X API v2 search pages with expansions, one per line, as twarc2 saves;
* ``community_edges.csv.gz``: forum, LinkedIn and Slack interactions (gzip CSV);
* ``accounts.csv``: profiles of the non-X accounts;
* ``roster.csv``: the company's people, one row per account they hold;
* ``crm.csv``: customers and prospects;
* ``slack_export.zip``: a Slack workspace export of two more channels (the standard export
  layout: ``users.json`` with the employees' addresses, ``channels.json``, one file per day);
* ``mail.mbox.gz``: internal and customer e-mail, headers only (an mbox, gzip);
* ``networks_raw.jsonl.gz``: YouTube, Mastodon and Bluesky API responses in Scout's raw
  archive format (replayed by ``scout ingest replay``);
* ``networks_edges.csv.gz`` and ``networks_accounts.csv``: Reddit, blogs and Facebook;
* ``ground_truth.json``: the planted leaders, brokers, rising accounts and bots.

Running it twice with the same seed writes byte-identical files (gzip with ``mtime=0``).

Usage::

    python scripts/make_sample_data.py [--out data] [--seed 20261115]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

DEFAULT_SEED = 20261115
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data"

WINDOW_START = datetime(2026, 8, 18, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 16, tzinfo=UTC)  # exclusive: the last day is 2026-11-15
RISING_FROM = datetime(2026, 10, 25, tzinfo=UTC)  # the last three weeks
LAUNCH_AT = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
RETRIEVED_AT = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
DAYS = 90
HOURS = DAYS * 24
HOUR_MS = 3_600_000
START_MS = int(WINDOW_START.timestamp() * 1000)
END_MS = int(WINDOW_END.timestamp() * 1000)
RISING_MS = int(RISING_FROM.timestamp() * 1000)
LAUNCH_MS = int(LAUNCH_AT.timestamp() * 1000)
TWITTER_EPOCH_MS = 1288834974657

COMPANY = "Lumina Analytics"
BRAND = "LuminaHQ"
COMPETITORS = ("DataForgeIO", "QuantaSoft")
PRODUCTS = ("Lumina Observe", "Lumina Lineage", "Lumina Pulse")
MARKET_TOPIC = "dataobservability"
EMAIL_DOMAIN = "lumina-analytics.example"
SITE = "https://lumina-analytics.example"

N_EXTERNAL = 3900
X_PAGE_SIZE = 100
TWARC_VERSION = "2.14.0"

# --------------------------------------------------------------------------- story


@dataclass(frozen=True)
class Community:
    """An interest community: its share of external people, topics and platform habits."""

    key: str
    label: str
    share: float
    topics: tuple[str, ...]
    p_x: float
    p_forum: float
    p_linkedin: float


COMMUNITIES: tuple[Community, ...] = (
    Community(
        "dataeng",
        "Data engineers",
        0.32,
        ("dataengineering", "dbt", "airflow", "datapipelines", "dataquality", "spark", "kafka"),
        0.85,
        0.24,
        0.12,
    ),
    Community(
        "ml",
        "ML & AI practitioners",
        0.20,
        ("mlops", "machinelearning", "llm", "featurestore", "modelmonitoring", "genai"),
        0.85,
        0.12,
        0.12,
    ),
    Community(
        "analytics",
        "Analytics & BI",
        0.22,
        ("analytics", "businessintelligence", "sql", "dashboards", "metrics", "semanticlayer"),
        0.70,
        0.26,
        0.24,
    ),
    Community(
        "devops",
        "DevOps & SRE",
        0.16,
        ("devops", "sre", "observability", "kubernetes", "opentelemetry", "incidentresponse"),
        0.90,
        0.10,
        0.08,
    ),
    Community(
        "execs",
        "Data leaders & executives",
        0.10,
        ("datastrategy", "cdo", "dataleadership", "datagovernance", "aistrategy"),
        0.55,
        0.03,
        0.80,
    ),
)
INTERNAL = len(COMMUNITIES)  # community index of the employees
INTERNAL_TOPICS = ("lumina", "luminaobserve", "launchweek", "customerstories", "hiring")
N_COMM = INTERNAL + 1
COMM_KEYS = tuple(c.key for c in COMMUNITIES) + ("lumina",)
COMM_INDEX = {k: i for i, k in enumerate(COMM_KEYS)}


@dataclass(frozen=True)
class Planted:
    """A hand-made account of the story whose rank the ground truth states."""

    role: str  # leader | broker | rising | internal_leader | internal_rising
    first: str
    last: str
    x: str
    community: str  # home community key, "lumina" for employees
    second: str | None = None  # brokers: the other community they bridge to
    department: str | None = None
    title: str | None = None
    forum: bool = False
    linkedin: bool = True
    note: str = ""


PLANTED: tuple[Planted, ...] = (
    Planted(
        "leader",
        "Dana",
        "Whitfield",
        "dana_pipelines",
        "dataeng",
        forum=True,
        note="data-engineering author; the community's most engaged voice",
    ),
    Planted(
        "leader",
        "Kwame",
        "Mensah",
        "kwame_on_data",
        "dataeng",
        note="runs a popular data-engineering newsletter",
    ),
    Planted("leader", "Maya", "Okafor", "mlops_maya", "ml", note="MLOps speaker and educator"),
    Planted(
        "leader",
        "Ben",
        "Alvarez",
        "bi_with_ben",
        "analytics",
        forum=True,
        note="analytics engineer, BI educator; a Lumina customer",
    ),
    Planted("leader", "Olu", "Adebayo", "oncall_olu", "devops", note="SRE author and podcaster"),
    Planted(
        "leader",
        "Rachel",
        "Stern",
        "cdo_rachel",
        "execs",
        note="industry analyst covering data platforms; a prospect",
    ),
    Planted(
        "broker",
        "Priya",
        "Raman",
        "priya_dataml",
        "dataeng",
        second="ml",
        note="bridges data engineering and ML",
    ),
    Planted(
        "broker",
        "Tomas",
        "Novak",
        "tomas_metrics",
        "analytics",
        second="dataeng",
        forum=True,
        note="bridges analytics and data engineering",
    ),
    Planted(
        "broker",
        "Grace",
        "Lindqvist",
        "grace_platform",
        "devops",
        second="dataeng",
        note="bridges platform/SRE and data engineering",
    ),
    Planted(
        "rising",
        "Olivia",
        "Brandt",
        "obs_olivia",
        "dataeng",
        linkedin=False,
        note="new creator; her observability series took off in the last 3 weeks",
    ),
    Planted(
        "rising",
        "Quinn",
        "Harper",
        "quinnqueries",
        "analytics",
        linkedin=False,
        note="SQL threads went viral in the last 3 weeks",
    ),
    Planted(
        "rising",
        "Lakshmi",
        "Iyer",
        "llm_lakshmi",
        "ml",
        linkedin=False,
        note="LLM-evaluation posts took off in the last 3 weeks",
    ),
    Planted(
        "rising",
        "Diego",
        "Ramos",
        "dbt_diego",
        "dataeng",
        linkedin=False,
        note="dbt tips, quiet before late October",
    ),
    Planted(
        "rising",
        "Hana",
        "Sato",
        "hana_sre",
        "devops",
        linkedin=False,
        note="incident write-ups, noticed after the launch",
    ),
    Planted(
        "internal_leader",
        "Ines",
        "Moreau",
        "ines_devrel",
        "lumina",
        department="DevRel",
        title="Head of Developer Relations",
        forum=True,
        note="the company's most visible advocate, outside and inside",
    ),
    Planted(
        "internal_leader",
        "Jonas",
        "Keller",
        "jonaskeller_cto",
        "lumina",
        department="Executive",
        title="CTO & co-founder",
        note="technical voice of the company",
    ),
    Planted(
        "internal_leader",
        "Aisha",
        "Karimi",
        "aisha_builds",
        "lumina",
        department="Engineering",
        title="Staff Engineer, Lumina Observe",
        note="the hub of internal engineering conversation; respected outside",
    ),
    Planted(
        "internal_leader",
        "Leo",
        "Tanaka",
        "leo_lumina",
        "lumina",
        department="Marketing",
        title="Product Marketing Lead",
        note="drives launch week on X and LinkedIn",
    ),
    Planted(
        "internal_leader",
        "Marta",
        "Silva",
        "marta_solves",
        "lumina",
        department="Customer Success",
        title="Principal Solutions Engineer",
        forum=True,
        note="top answerer on the community forum",
    ),
    Planted(
        "internal_leader",
        "Nadia",
        "Brooks",
        "nadiabrooks",
        "lumina",
        department="Executive",
        title="CEO & co-founder",
        note="LinkedIn voice of the company",
    ),
    Planted(
        "internal_rising",
        "Rafael",
        "Ortiz",
        "rafa_devrel",
        "lumina",
        department="DevRel",
        title="Developer Advocate",
        forum=True,
        note="quiet until his launch-week demos took off in the last 3 weeks",
    ),
)

BOTS: tuple[tuple[str, str], ...] = (
    ("dataobs_deals", "Data Deals 24/7"),
    ("best_ai_tools_4u", "Best AI Tools"),
    ("growth_bot_9182", "Growth Hacks Daily"),
    ("top_data_tools_24", "Top Data Tools"),
    ("crypto_data_signals", "Crypto Data Signals"),
    ("saas_promo_hub", "SaaS Promo Hub"),
    ("freelance_data_gigs", "Data Gigs Now"),
    ("quant_alpha_bot7", "Quant Alpha"),
)
SUSPENDED = ("growthhackz_io", "free_followers_now")

BRANDS: tuple[tuple[str, str, str], ...] = (
    (BRAND, COMPANY, "Data observability for teams who ship. Makers of Lumina Observe."),
    ("DataForgeIO", "DataForge", "The data quality platform for the modern stack."),
    ("QuantaSoft", "Quanta Software", "Analytics you can trust. Dashboards, quality and lineage."),
)

DEPARTMENTS: tuple[tuple[str, int, str, str], ...] = (
    # name, head count, related external community, typical title
    ("Executive", 6, "execs", "Executive"),
    ("Engineering", 52, "dataeng", "Software Engineer"),
    ("Product", 14, "analytics", "Product Manager"),
    ("DevRel", 8, "dataeng", "Developer Advocate"),
    ("Marketing", 14, "analytics", "Marketing Manager"),
    ("Sales", 24, "execs", "Account Executive"),
    ("Customer Success", 18, "analytics", "Customer Success Manager"),
    ("Operations", 14, "execs", "Operations Specialist"),
)
EXEC_TITLES = ("Chief Product Officer", "Chief Revenue Officer", "VP Marketing", "COO")
DEPT_P = {  # department: (p_x, p_linkedin, p_forum)
    "Executive": (1.0, 1.0, 0.0),
    "Engineering": (0.55, 0.25, 0.06),
    "Product": (0.7, 0.6, 0.15),
    "DevRel": (1.0, 0.9, 1.0),
    "Marketing": (0.9, 0.8, 0.1),
    "Sales": (0.5, 0.9, 0.0),
    "Customer Success": (0.4, 0.6, 0.45),
    "Operations": (0.2, 0.5, 0.0),
}
N_NEW_HIRES = 5  # on the roster, not seen anywhere yet

FIRST_NAMES = (
    "Aaron Abena Adam Adriana Ahmed Aiko Alan Alejandro Alex Alice Amara Amir Ana Andre Andrea "
    "Anil Anna Arjun Astrid Ayesha Bea Boris Bruno Camila Carlos Carmen Chen Chloe Chris Clara "
    "Daniel Dario David Deepa Dmitri Elena Eli Emeka Emily Emma Erik Esther Fatima Felix Femi "
    "Fiona Gabriel Gita Hannah Hassan Hector Helen Hugo Ida Igor Ingrid Isaac Ivan Jack Jana "
    "Jasmine Javier Jiho Joao Jordan Julia Kai Karen Karim Kate Kenji Kim Lara Laura Lena Liam "
    "Lina Lucas Luis Maria Mark Maryam Mateo Mei Mia Miguel Mina Mohamed Nadia Naomi Nina Noah "
    "Omar Oscar Paula Pedro Petra Rahul Ravi Rosa Ruth Sara Sean Sofia Stefan Sunil Tariq Thea "
    "Theo Tim Tara Uma Valentina Victor Wei Yara Yusuf Zara Zoe"
).split()
LAST_NAMES = (
    "Abbott Adeyemi Ahmed Andersen Bauer Becker Bianchi Brennan Brown Castillo Chen Cohen Costa "
    "Cruz Das Dubois Eriksen Evans Farah Fischer Fernandez Garcia Gomez Gupta Haddad Hansen "
    "Hoffmann Hughes Ibrahim Ito Jensen Johnson Kaur Kim Klein Kowalski Kumar Lam Larsen Lee "
    "Lopez Mahmoud Martin Meyer Miller Mishra Moreno Murphy Nakamura Nguyen Nielsen Novak "
    "Nowak Okeke Olsen Ortega Park Patel Perez Petrov Popescu Quinn Reddy Reyes Richter Rossi "
    "Russo Sanchez Santos Schmidt Schulz Shah Silva Singh Smith Sorensen Suzuki Tan Taylor "
    "Torres Tran Vargas Walker Wang Weber Williams Wilson Wong Yamamoto Yilmaz Young Zhang "
    "Zimmermann"
).split()

# --------------------------------------------------------------------------- texts

TEXTS: dict[str, tuple[str, ...]] = {
    "dataeng": (
        "Spent the morning chasing a schema change that silently broke three downstream models.",
        "Hot take: most pipeline failures are really contract failures between teams.",
        "Freshness SLAs on every critical table changed how our on-call works.",
        "Rewrote our ingestion jobs to be idempotent. Backfills are boring now, which is the goal.",
        "What is your threshold for alerting on row-count drops? We use 3 sigma and still get noise.",
        "Column-level lineage saved us hours today when a vendor renamed a field.",
        "Data contracts are just API design for tables. Change my mind.",
        "If your dbt project has 900 models, test the 40 that matter first.",
        "Late-arriving data is the silent killer of daily dashboards.",
        "New post: how we cut our warehouse bill 30% by deleting models nobody queried.",
    ),
    "ml": (
        "Model monitoring without data monitoring is watching the smoke, not the fire.",
        "Our churn model degraded for two weeks before anyone noticed. Root cause: a null spike upstream.",
        "Feature drift dashboards are only useful if someone owns the alert.",
        "Evaluating LLM apps is mostly a data quality problem in disguise.",
        "Retraining on bad data just makes you wrong faster.",
        "Shipping a feature store this quarter. Lesson so far: freshness guarantees beat latency.",
        "The best MLOps investment we made this year was boring: schema checks on training data.",
        "Thread: five ways training/serving skew sneaks into production.",
    ),
    "analytics": (
        "Nothing erodes trust faster than a dashboard that is quietly wrong.",
        "Our exec dashboard showed revenue down 40%. It was a broken join, not a bad quarter.",
        "Semantic layers are great until the source tables change under them.",
        "Every metric needs an owner and a freshness check. Every single one.",
        "SQL tip: test your assumptions about uniqueness before you trust that join.",
        "Analysts spend half their time validating data before they can analyse it.",
        "We added data quality badges to our BI tool and ad-hoc questions dropped noticeably.",
        "A metric with two definitions is two metrics.",
    ),
    "devops": (
        "Data pipelines deserve the same SLOs and runbooks as services.",
        "OpenTelemetry for data jobs is finally getting real.",
        "Incident review: the outage started as a silent data delay, not an error.",
        "Alert fatigue is a design problem, not a people problem.",
        "Treat your warehouse like production infrastructure: on-call, SLOs, postmortems.",
        "We page on data freshness now. Fewer pages than expected, and they matter.",
        "Kubernetes cron jobs failing silently is a rite of passage.",
    ),
    "execs": (
        "Data trust is a board-level topic now. Ask your team how they would know a number was wrong.",
        "Budget season: observability is moving from nice-to-have to insurance.",
        "The cost of bad data shows up in decisions, not in the data team's budget.",
        "Talked to 30 data leaders this quarter. Top priority: fewer data incidents reaching execs.",
        "Governance without observability is a policy nobody can verify.",
        "AI strategy starts with knowing which data you can trust.",
    ),
    "lumina": (
        "Proud of the team shipping {product} this week.",
        "We are hiring data engineers who care about reliability. DMs open.",
        "Customer story: how a fintech team cut data incidents in half with {product}.",
        "Office hours today on anomaly detection in {product}, bring your questions.",
        "Behind the scenes of how we built column-level lineage in {product}.",
        "Great week at the booth talking data reliability with hundreds of practitioners.",
    ),
    "brand_talk": (
        "Been trialling @LuminaHQ on our pipelines and the lineage view is excellent.",
        "The new anomaly detection in @LuminaHQ Observe caught a null spike before our CFO did.",
        "Is anyone using @LuminaHQ with dbt at scale? Curious about cost.",
        "@LuminaHQ support answered my question in 10 minutes. On a Sunday.",
        "Not convinced by @LuminaHQ alerts yet, too many false positives on small tables.",
        "Comparing @LuminaHQ and @DataForgeIO for a 2k-table warehouse. Opinions welcome.",
        "Lumina Observe 3.0 looks like a real step forward for data reliability. Nice work @LuminaHQ",
    ),
    "competitor_talk": (
        "@DataForgeIO just announced usage-based pricing. Interesting move.",
        "Our @DataForgeIO monitors missed a freshness issue again this week.",
        "Evaluating @QuantaSoft for data quality checks, any experiences?",
        "@QuantaSoft dashboards look nice but setup took us a month.",
        "Switched from @QuantaSoft to @LuminaHQ last quarter, fewer noisy alerts so far.",
    ),
    "brand_post": (
        "Lumina Observe 3.0 is here: column-level lineage, smarter anomaly detection, faster setup.",
        "Webinar Thursday: catching data incidents before your stakeholders do.",
        "New on the blog: a practical guide to data freshness SLAs.",
        "Customer story: how a logistics team reduced data downtime by 60% with Lumina Observe.",
        "Lumina Pulse now routes data alerts to the right owner automatically.",
        "Launch week, day {n}: five days, five features for reliable data.",
    ),
    "competitor_post": (
        "DataForge monitors now support streaming sources. Read more:",
        "New: usage-based pricing for teams of every size.",
        "Join our live demo of automated data quality checks.",
        "Quanta dashboards now show data quality scores inline.",
    ),
    "reply": (
        "Agreed, we saw the same thing last month.",
        "Great point. How do you handle this for late-arriving data?",
        "This matches our experience exactly.",
        "Strongly disagree on this one, but happy to be convinced.",
        "Saving this thread.",
        "Do you have a write-up on how you set that up?",
        "We tried that and it did not scale past a few hundred tables.",
        "+1, ownership is the hard part.",
        "Thanks for sharing!",
        "Curious what tooling you used for this?",
    ),
    "reply_staff": (
        "Thanks for the kind words! Ping us if you need anything.",
        "Happy to help, sending you a DM.",
        "Great feedback, passing it to the product team.",
        "Good question, we cover this in the docs, link in DM.",
    ),
    "quote": (
        "Worth a read for anyone running pipelines in production.",
        "This is the best explanation of the problem I have seen.",
        "Exactly what I have been saying for a year.",
        "Respectfully, this misses the ownership question.",
        "Important thread.",
        "Our team needs to read this.",
    ),
    "bot": (
        "TOP 10 data observability tools of 2026, number 7 will surprise you",
        "Get 50% off data monitoring today only!!",
        "Check DM for a collab opportunity",
        "Earn passive income with AI data tools, link in bio",
    ),
    "other_lang": (
        "de|Datenqualität ist kein Projekt, sondern ein Prozess.",
        "de|Heute wieder eine kaputte Pipeline wegen einer Schemaänderung.",
        "fr|La qualité des données, c'est d'abord une question de responsabilité.",
        "fr|Encore un tableau de bord faux à cause d'une jointure cassée.",
        "es|La observabilidad de datos ya no es opcional.",
        "es|Hoy aprendimos a monitorear la frescura de los datos por las malas.",
        "pt|Qualidade de dados começa na origem.",
    ),
}
MENTION_CLAUSES_1 = (
    " h/t @{u}",
    " cc @{u}",
    " (via @{u})",
    " Thanks @{u}!",
    " What do you think @{u}?",
)
MENTION_CLAUSES_2 = (" cc @{u} @{v}", " h/t @{u} and @{v}", " Great chat with @{u} and @{v}.")

FORUM_QUESTIONS = (
    "How do I set up freshness checks for {t} tables?",
    "Best practice for routing alerts with Lumina Pulse?",
    "Lineage graph is missing some dbt models, known issue?",
    "Anomaly detection too sensitive on small tables",
    "Connecting Lumina Observe to our Kafka topics",
    "Feature request: daily digest of incidents",
    "How are you monitoring {t} in production?",
    "Share your alerting thresholds for {t}",
    "Upgrading to Observe 3.0: anything to watch out for?",
)
FORUM_ANSWERS = (
    "You can set a per-table sensitivity in the monitor settings.",
    "We hit the same issue; upgrading the agent fixed it.",
    "Have a look at the docs page on custom SQL monitors.",
    "Marking tables as critical helps reduce the noise a lot.",
    "+1 on this, would love it too.",
    "Thanks, that worked!",
    "We use a 24h window and seasonality on, works well for {t}.",
    "Logged this with the team, fix is in the next release.",
)
FORUM_ANNOUNCEMENTS = (
    "Community call: what's new in Lumina Observe 3.0",
    "Office hours this week: lineage and impact analysis",
    "Share your data reliability story and win a conference pass",
)
LINKEDIN_POSTS = (
    "Three lessons from a year of treating data like a product.",
    "Data trust is the foundation of every AI initiative. Here is how we think about it.",
    "Excited to share that we just launched Lumina Observe 3.0!",
    "We are hiring across engineering and customer success. Come build with us.",
    "Speaking next week about data reliability at scale. See you there!",
    "What I learned talking to 50 data teams about incidents.",
    "Our team grew 3x this year. Grateful for every customer and colleague.",
    "The hidden cost of broken dashboards, in one chart.",
)
LINKEDIN_COMMENTS = (
    "Great insights, thanks for sharing!",
    "Congrats to the whole team!",
    "Spot on. Data trust is everything.",
    "Would love to discuss this further.",
    "Insightful as always.",
    "So true, we see this every week.",
)
SLACK_MESSAGES = (
    "Can you review my PR for the lineage service?",
    "Heads up: deploy at 3pm",
    "Customer asked about SSO again, who can help?",
    "Great demo today!",
    "Who owns the anomaly detection backlog?",
    "Launch checklist updated, please take a look",
    "Can we sync on the webinar deck?",
    "Nice work on the release notes",
    "Incident resolved, write-up coming tomorrow",
    "Thanks for jumping on that so quickly",
    "Draft of the customer story is ready for review",
    "Quick question about the pricing page",
)
SLACK_CHANNELS = (
    # name, departments (empty = everyone)
    ("general", ()),
    ("engineering", ("Engineering", "DevRel", "Product", "Executive")),
    ("product", ("Product", "Engineering", "Marketing", "DevRel", "Executive")),
    ("devrel", ("DevRel", "Marketing", "Engineering")),
    ("launch-observe-3", ("Marketing", "Product", "DevRel", "Engineering", "Executive", "Sales")),
    ("sales", ("Sales", "Customer Success", "Marketing", "Executive")),
    ("customer-success", ("Customer Success", "Sales", "Engineering", "Product")),
    ("incidents", ("Engineering", "Customer Success", "DevRel")),
)
COMPANY_PREFIXES = (
    "Northbeam Bluefin Cedarline Orbital Harborview Ironwood Juniper Keystone Lakeside Meridian "
    "Nimbus Oakridge Pinecrest Quarry Redwood Silverline Tidewater Upland Vantage Willowbrook "
    "Apex Brightpath Copperleaf Driftwood Evergreen Foxglove Granite Helios"
).split()
COMPANY_SUFFIXES = (
    "Logistics Health Bank Retail Labs Energy Insurance Media Foods Systems Mobility Games "
    "Pharma Travel Capital"
).split()

MENTION_RE = re.compile(r"@(\w+)")
HASHTAG_RE = re.compile(r"#(\w+)")
TCO_RE = re.compile(r"https://t\.co/\w+")


# --------------------------------------------------------------------------- helpers


def iso_x(ms: int) -> str:
    """Format epoch milliseconds as X does: ``2026-09-01T12:34:56.000Z``."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def iso_csv(ms: int) -> str:
    """Format epoch milliseconds as ISO 8601 UTC for the CSV files: ``2026-09-01T12:34:56Z``."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime."""
    return int(value.timestamp() * 1000)


def token(
    rng: np.random.Generator, n: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789"
) -> str:
    """A random string of ``n`` characters drawn from ``alphabet``."""
    idx = rng.integers(0, len(alphabet), n)
    return "".join(alphabet[i] for i in idx)


def weighted_choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with replacement, proportionally to non-negative ``weights``."""
    total = float(weights.sum())
    if size <= 0 or total <= 0:
        return np.zeros(0, dtype=np.int64)
    cdf = np.cumsum(weights, dtype=np.float64)
    idx = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")
    return np.minimum(idx, len(weights) - 1).astype(np.int64)


def hourly_profile(kind: str = "public") -> np.ndarray:
    """Relative activity per hour of the window (sums to 1).

    ``public``: daytime peak across US/EU, quieter weekends, a growing conversation and
    a spike at the launch; ``rising``: the same but mostly in the last three weeks;
    ``internal``: working hours on weekdays; ``flat``: round the clock (bots).
    """
    h = np.arange(HOURS)
    day, hod = h // 24, h % 24
    dow = (WINDOW_START.weekday() + day) % 7
    if kind == "flat":
        w = np.ones(HOURS)
    elif kind == "internal":
        w = 0.03 + np.exp(-0.5 * ((hod - 13.0) / 3.2) ** 2)
        w *= np.where(dow >= 5, 0.06, 1.0)
    else:
        w = 0.2 + np.exp(-0.5 * ((hod - 15.5) / 4.0) ** 2)
        w *= np.where(dow >= 5, 0.45, 1.0)
        w *= 1.0 + 0.35 * day / DAYS
    launch_h = (LAUNCH_MS - START_MS) / HOUR_MS
    after = np.clip(h - launch_h, 0, None)
    w *= 1.0 + 1.6 * np.exp(-after / 60.0) * (h >= launch_h - 1)
    if kind == "rising":
        rising_h = (RISING_MS - START_MS) / HOUR_MS
        w *= np.where(h >= rising_h, 5.0, 0.1)
    return w / w.sum()


def sample_ms(rng: np.random.Generator, n: int, profile: np.ndarray) -> np.ndarray:
    """``n`` epoch-millisecond instants in the window following an hourly ``profile``."""
    hours = weighted_choice(rng, profile, n)
    return START_MS + hours * HOUR_MS + rng.integers(0, HOUR_MS, n)


def snowflake(rng: np.random.Generator, ms: np.ndarray) -> np.ndarray:
    """Unique X-style ids that increase with time: ``(ms - epoch) << 22 | worker | seq``."""
    ms = np.asarray(ms, dtype=np.int64)
    ids = ((ms - TWITTER_EPOCH_MS) << 22) | (rng.integers(0, 1024, len(ms)) << 12)
    ids |= rng.integers(0, 4096, len(ms))
    while len(np.unique(ids)) < len(ids):
        _, first = np.unique(ids, return_index=True)
        dup = np.ones(len(ids), dtype=bool)
        dup[first] = False
        ids[dup] += 1
    return ids


def legacy_user_id(rng: np.random.Generator, created_ms: np.ndarray) -> np.ndarray:
    """X user ids: sequential 32-bit-ish ids before 2016, snowflakes after."""
    created_ms = np.asarray(created_ms, dtype=np.int64)
    t0, t1 = to_ms(datetime(2008, 1, 1, tzinfo=UTC)), to_ms(datetime(2016, 1, 1, tzinfo=UTC))
    frac = np.clip((created_ms - t0) / (t1 - t0), 0, 1)
    seq = 12_000_000 + frac * 4_700_000_000 + rng.integers(0, 900_000, len(created_ms))
    snow = snowflake(rng, created_ms)
    return np.where(created_ms < t1, seq.astype(np.int64), snow)


def pick_handle(candidates: Sequence[str], used: set[str], rng: np.random.Generator) -> str:
    """The first free candidate (case-insensitive), else the first one with digits."""
    for c in candidates:
        if c.lower() not in used:
            used.add(c.lower())
            return c
    while True:
        c = f"{candidates[0]}{int(rng.integers(2, 999))}"
        if c.lower() not in used:
            used.add(c.lower())
            return c


def x_handle_candidates(first: str, last: str, rng: np.random.Generator) -> list[str]:
    """Plausible X usernames for a person (at most 15 characters)."""
    f, la = first.lower(), last.lower()
    pool = [
        f"{f}{la}",
        f"{f}_{la}",
        f"{f[0]}{la}",
        f"{f}{la[0]}",
        f"{first}{last}",
        f"the{f}{la}",
        f"{f}_data",
        f"{la}_{f}",
        f"{f}{la}{int(rng.integers(1, 99))}",
        f"{f}.{la}".replace(".", "_"),
    ]
    order = rng.permutation(len(pool))
    return [pool[i][:15] for i in order]


# --------------------------------------------------------------------------- people


@dataclass
class People:
    """Everyone in the story: external people and employees, with latent traits."""

    first: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    comm: list[int] = field(default_factory=list)  # home community
    comm2: list[int] = field(default_factory=list)  # brokers' second community, else -1
    role: list[str] = field(default_factory=list)
    act: list[float] = field(default_factory=list)  # how much they post / engage
    att: list[float] = field(default_factory=list)  # how much attention they draw
    dept: list[str | None] = field(default_factory=list)
    title: list[str | None] = field(default_factory=list)
    manager: list[int] = field(default_factory=list)
    on_x: list[bool] = field(default_factory=list)
    on_forum: list[bool] = field(default_factory=list)
    on_linkedin: list[bool] = field(default_factory=list)
    x_handle: list[str | None] = field(default_factory=list)
    planted: list[Planted | None] = field(default_factory=list)

    def add(self, **kw: object) -> int:
        """Append one person (missing fields get defaults) and return their index."""
        defaults: dict[str, object] = {
            "comm2": -1,
            "dept": None,
            "title": None,
            "manager": -1,
            "on_x": False,
            "on_forum": False,
            "on_linkedin": False,
            "x_handle": None,
            "planted": None,
        }
        defaults.update(kw)
        for name in self.__dataclass_fields__:
            getattr(self, name).append(defaults[name])
        return len(self.first) - 1

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.first)

    def name(self, i: int) -> str:
        """Full name of person ``i``."""
        return f"{self.first[i]} {self.last[i]}"

    def is_employee(self, i: int) -> bool:
        """Whether person ``i`` works for the company."""
        return self.comm[i] == INTERNAL


def build_people(rng: np.random.Generator) -> People:
    """External people by community, the planted accounts and the 150 employees."""
    people = People()
    shares = np.array([c.share for c in COMMUNITIES])
    comm = rng.choice(len(COMMUNITIES), N_EXTERNAL, p=shares / shares.sum())
    act = (1.0 + rng.pareto(1.6, N_EXTERNAL)) * rng.lognormal(0.0, 0.35, N_EXTERNAL)
    att = (1.0 + rng.pareto(1.3, N_EXTERNAL)) * act**0.35 * rng.lognormal(0.0, 0.4, N_EXTERNAL)
    firsts = rng.integers(0, len(FIRST_NAMES), N_EXTERNAL)
    lasts = rng.integers(0, len(LAST_NAMES), N_EXTERNAL)
    u = rng.random((N_EXTERNAL, 3))
    for i in range(N_EXTERNAL):
        c = COMMUNITIES[comm[i]]
        on_x, on_f, on_l = u[i, 0] < c.p_x, u[i, 1] < c.p_forum, u[i, 2] < c.p_linkedin
        people.add(
            first=FIRST_NAMES[firsts[i]],
            last=LAST_NAMES[lasts[i]],
            comm=int(comm[i]),
            role="background",
            act=float(act[i]),
            att=float(att[i]),
            on_x=bool(on_x or not (on_f or on_l)),
            on_forum=bool(on_f),
            on_linkedin=bool(on_l),
        )
    q999, q995, q99 = (float(np.quantile(att, q)) for q in (0.999, 0.995, 0.99))
    for p in PLANTED:
        if p.role.startswith("internal"):
            continue
        boost = {
            "leader": (q999 * rng.uniform(2.2, 3.0), rng.uniform(28, 40)),
            "broker": (q999 * rng.uniform(1.2, 1.5), rng.uniform(22, 30)),
            "rising": (q99 * rng.uniform(2.6, 3.2), rng.uniform(14, 20)),
        }[p.role]
        people.add(
            first=p.first,
            last=p.last,
            comm=COMM_INDEX[p.community],
            comm2=COMM_INDEX[p.second] if p.second else -1,
            role=p.role,
            act=float(boost[1]),
            att=float(boost[0]),
            on_x=True,
            on_forum=p.forum,
            on_linkedin=p.linkedin,
            x_handle=p.x,
            planted=p,
        )
    add_employees(rng, people, q999)
    return people


def add_employees(rng: np.random.Generator, people: People, q999: float) -> None:
    """The company's 150 people with departments, managers and platform presence."""
    planted_by_dept: dict[str, list[Planted]] = {}
    for p in PLANTED:
        if p.role.startswith("internal"):
            planted_by_dept.setdefault(p.department or "", []).append(p)
    used_names = {(p.first, p.last) for p in PLANTED}
    exec_idx: dict[str, int] = {}
    first_new = people.n

    def add_one(dept: str, title: str, planted: Planted | None, manager: int) -> int:
        """Add one employee (a planted one when given) and return their index."""
        if planted is not None:
            first, last = planted.first, planted.last
        else:
            while True:
                first = FIRST_NAMES[int(rng.integers(0, len(FIRST_NAMES)))]
                last = LAST_NAMES[int(rng.integers(0, len(LAST_NAMES)))]
                if (first, last) not in used_names:
                    used_names.add((first, last))
                    break
        px, pl, pf = DEPT_P[dept]
        role = planted.role if planted else "employee"
        act_v = float(rng.lognormal(0.0, 0.6)) * 1.5
        att_v = float(rng.lognormal(0.0, 0.6)) * 1.5
        if role == "internal_leader":
            act_v, att_v = float(rng.uniform(30, 40)), q999 * float(rng.uniform(2.3, 2.8))
        elif role == "internal_rising":
            act_v, att_v = 18.0, q999 * 0.9
        return people.add(
            first=first,
            last=last,
            comm=INTERNAL,
            role=role,
            act=act_v,
            att=att_v,
            dept=dept,
            title=title,
            manager=manager,
            on_x=bool(planted is not None or rng.random() < px),
            on_linkedin=bool(planted.linkedin if planted else rng.random() < pl),
            on_forum=bool(planted.forum if planted else rng.random() < pf),
            x_handle=planted.x if planted else None,
            planted=planted,
        )

    # executives first: CEO, CTO, then the other chiefs
    planted_exec = {p.title: p for p in planted_by_dept.get("Executive", [])}
    ceo = add_one("Executive", "CEO & co-founder", planted_exec["CEO & co-founder"], -1)
    exec_idx["CEO"] = ceo
    exec_idx["CTO"] = add_one(
        "Executive", "CTO & co-founder", planted_exec["CTO & co-founder"], ceo
    )
    for t in EXEC_TITLES:
        exec_idx[t] = add_one("Executive", t, None, ceo)
    head_of = {
        "Engineering": "CTO",
        "Product": "Chief Product Officer",
        "DevRel": "CTO",
        "Marketing": "VP Marketing",
        "Sales": "Chief Revenue Officer",
        "Customer Success": "Chief Revenue Officer",
        "Operations": "COO",
    }
    for dept, count, _, base_title in DEPARTMENTS:
        if dept == "Executive":
            continue
        planted_here = list(planted_by_dept.get(dept, []))
        head_planted = next(
            (p for p in planted_here if p.title and p.title.startswith("Head")), None
        )
        if head_planted:
            planted_here.remove(head_planted)
        head = add_one(
            dept,
            head_planted.title if head_planted else f"Head of {dept}",
            head_planted,
            exec_idx[head_of[dept]],
        )
        leads: list[int] = []
        for k in range(count - 1):
            planted = planted_here.pop(0) if planted_here and k >= 2 else None
            if k % 8 == 0 and count > 10 and planted is None:
                leads.append(add_one(dept, f"{base_title} Lead", None, head))
                continue
            manager = leads[int(rng.integers(0, len(leads)))] if leads else head
            title = planted.title if planted else base_title
            add_one(dept, title or base_title, planted, manager)
    # the newest hires: on the roster, not seen anywhere yet
    regular = [i for i in range(first_new, people.n) if people.role[i] == "employee"]
    new_hires = sorted(int(i) for i in rng.choice(regular, N_NEW_HIRES, replace=False))
    for i in new_hires:
        people.role[i] = "new_hire"
        people.act[i] = 0.0
        people.att[i] = 0.0
        people.on_linkedin[i] = False
        people.on_forum[i] = False
    # a few employees hold an X handle but never post (lurkers)
    lurk = [i for i in regular if people.on_x[i] and i not in new_hires]
    for i in rng.choice(lurk, 10, replace=False):
        people.role[int(i)] = "lurker"


# --------------------------------------------------------------------------- X accounts


@dataclass
class XAccounts:
    """Every X account that may appear: people on X, brands, bots and suspended ones."""

    username: list[str]
    name: list[str]
    person: np.ndarray  # index into People, -1 for brands/bots/suspended
    kind: list[str]  # person role, or brand / bot / suspended
    comm: np.ndarray
    member: np.ndarray  # (n, N_COMM) where they engage
    vis: np.ndarray  # (n, N_COMM) where they are seen
    act: np.ndarray
    att: np.ndarray
    created_ms: np.ndarray
    uid: np.ndarray
    followers: np.ndarray
    following: np.ndarray
    statuses: np.ndarray
    listed: np.ndarray
    verified: np.ndarray
    description: list[str]
    url: list[str]
    location: list[str]

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.username)


def employee_focus(people: People, i: int) -> int:
    """The external community an employee's department talks to."""
    dept = people.dept[i] or "Engineering"
    return COMM_INDEX[next(d[2] for d in DEPARTMENTS if d[0] == dept)]


def x_bio(people: People, i: int, rng: np.random.Generator) -> str:
    """A short X profile description."""
    if people.planted[i] is not None and people.planted[i].title:
        return f"{people.planted[i].title} @{BRAND}. Data reliability nerd. Views my own."
    if people.is_employee(i):
        return f"{people.title[i]} at @{BRAND}. Opinions my own."
    c = COMMUNITIES[people.comm[i]]
    if people.planted[i] is not None:
        note = people.planted[i].note.split(";")[0]
        return f"{note[0].upper()}{note[1:]}. #{c.topics[0]} #{MARKET_TOPIC}"
    c = COMMUNITIES[people.comm[i]]
    tags = rng.choice(len(c.topics), 2, replace=False)
    job = {
        "dataeng": "Data engineer",
        "ml": "ML engineer",
        "analytics": "Analytics engineer",
        "devops": "SRE",
        "execs": "Head of Data",
    }[c.key]
    if rng.random() < 0.3:
        return ""
    return f"{job}. Writing about #{c.topics[tags[0]]} and #{c.topics[tags[1]]}."


CITIES = (
    "Berlin", "London", "New York, NY", "San Francisco, CA", "Toronto", "Lagos", "Bangalore",
    "Sao Paulo", "Paris", "Amsterdam", "Austin, TX", "Singapore", "",
)  # fmt: skip


def x_row(username: str, name: str, kind: str, **kw: object) -> dict:
    """One X account before profiles are drawn (defaults: no person, invisible, inactive)."""
    row: dict = {"username": username, "name": name, "person": -1, "kind": kind, "comm": 0,
                 "member": np.zeros(N_COMM), "vis": np.zeros(N_COMM), "act": 0.0, "att": 0.0}  # fmt: skip
    row.update(kw)
    return row


def x_person_rows(rng: np.random.Generator, people: People) -> list[dict]:
    """X accounts of the people on X: handle, where they engage (member), where they are seen."""
    used: set[str] = {b[0].lower() for b in BRANDS} | {b[0] for b in BOTS} | set(SUSPENDED)
    used |= {p.x.lower() for p in PLANTED}
    rows: list[dict] = []
    for i in range(people.n):
        if not people.on_x[i]:
            continue
        handle = people.x_handle[i] or pick_handle(
            x_handle_candidates(people.first[i], people.last[i], rng), used, rng
        )
        people.x_handle[i] = handle
        c = people.comm[i]
        member = np.zeros(N_COMM)
        if c == INTERNAL:
            member[INTERNAL], member[employee_focus(people, i)] = 0.6, 0.4
        elif people.comm2[i] >= 0:
            member[c], member[people.comm2[i]] = 0.55, 0.45
        else:
            member[c] = 1.0
        role = people.role[i]
        vis = member + (0.08 if role in ("leader", "internal_leader") else 0.02)
        lurker = role == "lurker"
        rows.append(
            x_row(handle, people.name(i), role, person=i, comm=c, member=member, vis=vis,
                  act=0.0 if lurker else people.act[i], att=0.0 if lurker else people.att[i])
        )  # fmt: skip
    return rows


def x_special_rows(max_att: float) -> list[dict]:
    """The brand accounts (seen everywhere, the company's most by employees), bots, suspended."""
    rows: list[dict] = []
    for k, (handle, name, _) in enumerate(BRANDS):
        vis = np.full(N_COMM, 0.45 if k == 0 else 0.3)
        vis[INTERNAL] = 1.0 if k == 0 else 0.05
        comm = INTERNAL if k == 0 else 0
        att = max_att * (1.6 if k == 0 else 0.9)
        rows.append(x_row(handle, name, "brand", comm=comm, vis=vis, att=att))
    rows.extend(x_row(handle, name, "bot") for handle, name in BOTS)
    rows.extend(x_row(handle, handle, "suspended") for handle in SUSPENDED)
    return rows


def x_profile_numbers(rng: np.random.Generator, rows: list[dict]) -> dict[str, np.ndarray]:
    """Creation dates and public metrics: heavy-tailed followers; bots young and lopsided."""
    n = len(rows)
    kind = [r["kind"] for r in rows]
    att = np.array([r["att"] for r in rows])
    act = np.array([r["act"] for r in rows])
    t_lo, t_hi = to_ms(datetime(2008, 3, 1, tzinfo=UTC)), to_ms(datetime(2025, 12, 31, tzinfo=UTC))
    created = t_lo + (rng.beta(1.4, 1.2, n) * (t_hi - t_lo)).astype(np.int64)
    is_bot = np.array([k in ("bot", "suspended") for k in kind])
    bot_lo, bot_hi = (
        to_ms(datetime(2026, 4, 20, tzinfo=UTC)),
        to_ms(datetime(2026, 8, 10, tzinfo=UTC)),
    )
    created[is_bot] = rng.integers(bot_lo, bot_hi, int(is_bot.sum()))
    for k in range(len(BRANDS)):
        created[kind.index("brand") + k] = to_ms(
            datetime(2015 + 2 * k, 3, 9 + k, 16, 20, tzinfo=UTC)
        )
    followers = np.round(18.0 * att**1.25 * rng.lognormal(0.0, 0.5, n) + rng.integers(0, 60, n))
    followers = followers.astype(np.int64)
    is_emp = np.array([r["comm"] == INTERNAL and r["person"] >= 0 for r in rows])
    followers[is_emp] = (followers[is_emp] * 0.35).astype(np.int64)
    following = np.maximum(5, rng.lognormal(np.log(380), 0.9, n)).astype(np.int64)
    statuses = (np.maximum(act, 0.3) * rng.lognormal(np.log(220), 0.8, n)).astype(np.int64) + 3
    followers[is_bot] = rng.integers(2, 45, int(is_bot.sum()))
    following[is_bot] = rng.integers(2100, 4990, int(is_bot.sum()))
    statuses[is_bot] = rng.integers(18_000, 95_000, int(is_bot.sum()))
    is_brand = np.array([k == "brand" for k in kind])
    statuses[is_brand] = rng.integers(3_000, 9_000, int(is_brand.sum()))
    is_rising = np.array([k == "rising" for k in kind])
    new_lo, new_hi = (
        to_ms(datetime(2022, 6, 1, tzinfo=UTC)),
        to_ms(datetime(2025, 10, 1, tzinfo=UTC)),
    )
    created[is_rising] = rng.integers(new_lo, new_hi, int(is_rising.sum()))
    listed = (followers / rng.uniform(60, 200, n)).astype(np.int64)
    verified = (att > np.quantile(att, 0.985)) | (rng.random(n) < 0.02)
    verified[is_bot] = False
    return {"created_ms": created, "followers": followers, "following": following,
            "statuses": statuses, "listed": listed, "verified": verified}  # fmt: skip


def x_profile_texts(rng: np.random.Generator, people: People, rows: list[dict]) -> dict[str, list]:
    """Descriptions, profile URLs and locations."""
    descriptions, urls, locations = [], [], []
    for r in rows:
        if r["kind"] == "brand":
            descriptions.append(BRANDS[[b[0] for b in BRANDS].index(r["username"])][2])
            urls.append(f"https://{r['username'].lower()}.example")
        elif r["kind"] in ("bot", "suspended"):
            descriptions.append("DM for promo. Best deals on AI and data tools. Follow back 100%")
            urls.append("https://bit.ly/" + token(rng, 7))
        else:
            descriptions.append(x_bio(people, r["person"], rng))
            blog = f"https://{r['username'].lower()}.blog.example"
            urls.append(blog if rng.random() < 0.25 else "")
        locations.append(CITIES[int(rng.integers(0, len(CITIES)))])
    return {"description": descriptions, "url": urls, "location": locations}


def build_x_accounts(rng: np.random.Generator, people: People) -> XAccounts:
    """X accounts with community membership, visibility and public metrics."""
    rows = x_person_rows(rng, people)
    rows += x_special_rows(max(r["att"] for r in rows))
    numbers = x_profile_numbers(rng, rows)
    texts = x_profile_texts(rng, people, rows)
    return XAccounts(
        username=[r["username"] for r in rows],
        name=[r["name"] for r in rows],
        person=np.array([r["person"] for r in rows]),
        kind=[r["kind"] for r in rows],
        comm=np.array([r["comm"] for r in rows]),
        member=np.array([r["member"] for r in rows]),
        vis=np.array([r["vis"] for r in rows]),
        act=np.array([r["act"] for r in rows]),
        att=np.array([r["att"] for r in rows]),
        uid=legacy_user_id(rng, numbers["created_ms"]),
        **numbers,
        **texts,
    )


# --------------------------------------------------------------------------- X activity

ORIGINAL, REPLY, REPOST, QUOTE = 0, 1, 2, 3


@dataclass
class Tweets:
    """All tweets, column-wise. ``ref`` is the referenced tweet's row (-1 for originals)."""

    author: np.ndarray
    ms: np.ndarray
    kind: np.ndarray
    ref: np.ndarray
    reply_to: np.ndarray  # account row replied to, -1
    extra: list[list[int]]  # extra accounts mentioned in the text
    text: list[str] = field(default_factory=list)
    lang: list[str] = field(default_factory=list)
    urls: list[list[tuple[str, str, str]]] = field(default_factory=list)
    tid: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        """Number of rows."""
        return len(self.author)


def mention_targets(
    rng: np.random.Generator, xa: XAccounts, comm: np.ndarray, ms: np.ndarray, n_per: np.ndarray
) -> list[list[int]]:
    """For each post, ``n_per`` distinct accounts mentioned, by attention within its community.

    Rising accounts are barely mentioned before the last three weeks and often after.
    """
    out: list[list[int]] = [[] for _ in range(len(comm))]
    rising = np.array([k in ("rising", "internal_rising") for k in xa.kind])
    for c in range(N_COMM):
        for late in (False, True):
            sel = np.flatnonzero((comm == c) & ((ms >= RISING_MS) == late) & (n_per > 0))
            if not len(sel):
                continue
            w = xa.att * xa.vis[:, c]
            w = np.where(rising, w * (4.0 if late else 0.08), w)
            w[[i for i, k in enumerate(xa.kind) if k == "brand"]] = 0  # brand lines name brands
            draws = weighted_choice(rng, w, int(n_per[sel].sum()) * 2)
            pos = 0
            for s in sel:
                chosen: list[int] = []
                while len(chosen) < n_per[s] and pos < len(draws):
                    d = int(draws[pos])
                    pos += 1
                    if d not in chosen:
                        chosen.append(d)
                out[s] = chosen
    return out


def simulate_originals(rng: np.random.Generator, xa: XAccounts) -> dict[str, np.ndarray | list]:
    """Original posts of people and brands: authors, times, mentions and text kind."""
    is_person = xa.person >= 0
    rate = np.where(is_person, xa.act * 0.55, 0.0)
    n_orig = rng.poisson(rate)
    brand_rows = [i for i, k in enumerate(xa.kind) if k == "brand"]
    n_orig[brand_rows] = (170, 120, 95)
    author = np.repeat(np.arange(xa.n), n_orig)
    ms = np.empty(len(author), dtype=np.int64)
    profiles = {k: hourly_profile(k) for k in ("public", "rising", "internal")}
    rising = np.array([xa.kind[a] in ("rising", "internal_rising") for a in author])
    employee = xa.comm[author] == INTERNAL
    for name, mask in (
        ("rising", rising),
        ("internal", employee & ~rising),
        ("public", ~rising & ~employee),
    ):
        ms[mask] = sample_ms(rng, int(mask.sum()), profiles[name])
    # Lumina posts cluster around launch week
    lumina = author == brand_rows[0]
    launch_week = LAUNCH_MS - 26 * HOUR_MS + rng.integers(0, 5 * 24 * HOUR_MS, int(lumina.sum()))
    ms[lumina] = np.where(rng.random(int(lumina.sum())) < 0.3, launch_week, ms[lumina])
    n_mentions = rng.choice(4, len(author), p=[0.42, 0.40, 0.14, 0.04])
    n_mentions[np.isin(author, brand_rows)] = rng.choice(
        2, int(np.isin(author, brand_rows).sum()), p=[0.8, 0.2]
    )
    comm = xa.comm[author]
    mentions = mention_targets(rng, xa, comm, ms, n_mentions)
    # which text line: community chatter, brand talk or competitor talk
    u = rng.random(len(author))
    launch_boost = np.where(np.abs(ms - LAUNCH_MS) < 4 * 24 * HOUR_MS, 2.0, 1.0)
    p_brand = np.where(employee, 0.30, 0.15 * launch_boost)
    line = np.where(u < p_brand, "brand_talk", np.where(u < p_brand + 0.08, "competitor_talk", ""))
    line = line.astype(object)
    for b, name in zip(
        brand_rows, ("brand_post", "competitor_post", "competitor_post"), strict=True
    ):
        line[author == b] = name
    return {"author": author, "ms": ms, "mentions": mentions, "line": line}


def simulate_engagements(
    rng: np.random.Generator, xa: XAccounts, orig: dict
) -> dict[str, np.ndarray]:
    """Replies, reposts and quotes of original posts, with cumulative advantage.

    The window is cut in blocks; in each block, engagers of community ``c`` pick posts with
    weight ``attention x visibility in c``, and attention grows with what was received so far.
    """
    author, ms = orig["author"], orig["ms"]
    n_posts = np.bincount(author, minlength=xa.n).astype(float)
    noise = rng.lognormal(0.0, 0.9, len(author))
    rising = np.array([k in ("rising", "internal_rising") for k in xa.kind])
    employee = xa.comm == INTERNAL
    lumina = xa.username.index(BRAND)
    dyn = xa.att.copy()
    beta = 0.02 * float(np.mean(xa.att[xa.att > 0]))
    member_w = xa.act[:, None] * xa.member
    share = member_w.sum(0) / member_w.sum()
    bounds_days = (0, 10, 20, 30, 40, 50, 60, 68, 75, 82, 90)
    out: dict[str, list[np.ndarray]] = {"post": [], "engager": [], "kind": [], "ms": []}
    for b0, b1 in zip(bounds_days[:-1], bounds_days[1:], strict=True):
        lo, hi = START_MS + b0 * 24 * HOUR_MS, START_MS + b1 * 24 * HOUR_MS
        sel = np.flatnonzero((ms >= lo) & (ms < hi))
        if not len(sel):
            continue
        phase = np.where(rising, 4.0 if lo >= RISING_MS else 0.08, 1.0)
        base = dyn[author[sel]] * phase[author[sel]] * noise[sel] * n_posts[author[sel]] ** -0.7
        n_block = rng.multinomial(int(round(2.05 * len(sel))), share)
        for c in range(N_COMM):
            if n_block[c] == 0:
                continue
            posts = sel[weighted_choice(rng, base * xa.vis[author[sel], c], int(n_block[c]))]
            engagers = weighted_choice(rng, member_w[:, c], int(n_block[c]))
            keep = engagers != author[posts]
            posts, engagers = posts[keep], engagers[keep]
            p_kind = np.tile([0.36, 0.46, 0.18], (len(posts), 1))
            advocacy = employee[engagers] & (author[posts] == lumina)
            p_kind[advocacy] = [0.12, 0.78, 0.10]
            kinds = 1 + (rng.random(len(posts))[:, None] > np.cumsum(p_kind, 1)).sum(1)
            delay = np.maximum(20_000, rng.lognormal(np.log(2.5 * HOUR_MS), 1.3, len(posts)))
            out["post"].append(posts)
            out["engager"].append(engagers)
            out["kind"].append(np.minimum(kinds, 3))
            out["ms"].append(ms[posts] + delay.astype(np.int64))
            dyn += beta * np.bincount(author[posts], minlength=xa.n)
    eng = {k: np.concatenate(v) for k, v in out.items()}
    keep = eng["ms"] < END_MS
    eng = {k: v[keep] for k, v in eng.items()}
    # at most one reply, repost and quote per (engager, post)
    key = eng["post"] * (xa.n + 1) * 4 + eng["engager"] * 4 + eng["kind"]
    _, first = np.unique(key, return_index=True)
    first.sort()
    return {k: v[first] for k, v in eng.items()}


def simulate_bots(
    rng: np.random.Generator, xa: XAccounts, orig: dict
) -> dict[str, np.ndarray | list]:
    """Spam accounts: round-the-clock duplicate posts tagging big accounts, and instant reposts."""
    bots = [i for i, k in enumerate(xa.kind) if k == "bot"]
    top = np.argsort(-xa.att)[:60]
    top = top[xa.att[top] > 0]
    flat = hourly_profile("flat")
    authors, times, mentions, reposts, repost_ms, repost_by = [], [], [], [], [], []
    suspended = [i for i, k in enumerate(xa.kind) if k == "suspended"]
    pool_w = xa.att[orig["author"]] * (orig["ms"] < END_MS - HOUR_MS)
    for b in bots:
        n = int(rng.integers(230, 330))
        n_rt = int(n * rng.uniform(0.3, 0.45))
        t = sample_ms(rng, n - n_rt, flat)
        for k in range(n - n_rt):
            m = [int(x) for x in rng.choice(top, 2, replace=False)]
            if rng.random() < 0.5:
                m[0] = xa.username.index(BRAND)
            if rng.random() < 0.006:
                m[1] = suspended[int(rng.integers(0, len(suspended)))]
            authors.append(b)
            times.append(int(t[k]))
            mentions.append(m if m[0] != m[1] else m[:1])
        posts = weighted_choice(rng, pool_w, n_rt)
        reposts.append(posts)
        repost_ms.append(orig["ms"][posts] + rng.integers(2_000, 90_000, n_rt))
        repost_by.append(np.full(n_rt, b))
    return {
        "author": np.array(authors),
        "ms": np.array(times, dtype=np.int64),
        "mentions": mentions,
        "rt_post": np.concatenate(reposts),
        "rt_ms": np.concatenate(repost_ms),
        "rt_by": np.concatenate(repost_by),
    }


def assemble_tweets(
    rng: np.random.Generator, xa: XAccounts, orig: dict, eng: dict, bots: dict
) -> Tweets:
    """Merge originals, bot posts, engagements and reply-backs into one tweet table."""
    n_o = len(orig["author"])
    n_b = len(bots["author"])
    author = [orig["author"], bots["author"]]
    ms = [orig["ms"], bots["ms"]]
    kind = [np.zeros(n_o + n_b, dtype=np.int64)]
    ref = [np.full(n_o + n_b, -1)]
    extra: list[list[int]] = list(orig["mentions"]) + list(bots["mentions"])
    # engagements of originals
    author.append(eng["engager"])
    ms.append(eng["ms"])
    kind.append(eng["kind"])
    ref.append(eng["post"])
    # bot reposts
    bot_ok = bots["rt_ms"] < END_MS
    author.append(bots["rt_by"][bot_ok])
    ms.append(bots["rt_ms"][bot_ok])
    kind.append(np.full(int(bot_ok.sum()), REPOST))
    ref.append(bots["rt_post"][bot_ok])
    a = np.concatenate(author)
    m = np.concatenate(ms)
    k = np.concatenate(kind)
    r = np.concatenate(ref)
    # extra mentions in some replies and quotes
    n_eng = len(a) - len(extra)
    pool = weighted_choice(rng, xa.att * xa.vis.sum(1), n_eng)
    for j in range(n_eng):
        row = len(extra)
        extra.append(
            [int(pool[j])]
            if k[row] in (REPLY, QUOTE) and rng.random() < 0.08 and pool[j] != a[row]
            else []
        )
    # the post author replies back to some replies (conversations, reciprocity)
    replies = np.flatnonzero(k == REPLY)
    post_author = a[r[replies]]
    p_back = np.array(
        [
            0.4
            if xa.kind[x] in ("leader", "internal_leader", "brand", "broker", "internal_rising")
            else 0.12
            for x in post_author
        ]
    )
    p_back = np.where(
        np.array([xa.kind[x] == "rising" for x in post_author]) & (m[replies] >= RISING_MS),
        0.35,
        p_back,
    )
    back = replies[rng.random(len(replies)) < p_back]
    back_ms = m[back] + np.maximum(
        60_000, rng.lognormal(np.log(1.5 * HOUR_MS), 1.1, len(back))
    ).astype(np.int64)
    ok = back_ms < END_MS
    back, back_ms = back[ok], back_ms[ok]
    a = np.concatenate([a, a[r[back]]])
    m = np.concatenate([m, back_ms])
    k = np.concatenate([k, np.full(len(back), REPLY)])
    r = np.concatenate([r, back])
    extra.extend([] for _ in range(len(back)))
    reply_to = np.where(k == REPLY, a[np.maximum(r, 0)], -1)
    tw = Tweets(author=a, ms=m, kind=k, ref=r, reply_to=reply_to, extra=extra)
    tw.tid = snowflake(rng, m)
    write_texts(rng, xa, tw, orig["line"])
    return tw


def hashtags_for(rng: np.random.Generator, comm: int, p_market: float) -> list[str]:
    """One or two hashtags from a community's topics, sometimes the market topic."""
    topics = INTERNAL_TOPICS if comm == INTERNAL else COMMUNITIES[comm].topics
    n = int(rng.choice(3, p=[0.25, 0.5, 0.25]))
    tags = [topics[int(i)] for i in rng.choice(len(topics), n, replace=False)]
    if rng.random() < p_market:
        tags.append(MARKET_TOPIC)
    return tags


def tco(rng: np.random.Generator) -> str:
    """A t.co short link."""
    return "https://t.co/" + token(
        rng, 10, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    )


def write_texts(rng: np.random.Generator, xa: XAccounts, tw: Tweets, lines: np.ndarray) -> None:
    """Compose every tweet's text (mentions, hashtags, links) and language, in id order."""
    tw.text = [""] * tw.n
    tw.lang = ["en"] * tw.n
    tw.urls = [[] for _ in range(tw.n)]
    n_lines = len(lines)
    order = np.argsort(tw.ms, kind="stable")  # referenced tweets come first
    launch_day = 0
    bot_links: dict[int, tuple[str, str]] = {}
    for j in order:
        a, kind = int(tw.author[j]), int(tw.kind[j])
        user = xa.username
        comm = int(xa.comm[a])
        if kind == ORIGINAL:
            who = xa.kind[a]
            line = str(lines[j]) if j < n_lines else "bot"
            if line == "bot" or who == "bot":
                base = TEXTS["bot"][(a * 7 + int(rng.integers(0, 2))) % len(TEXTS["bot"])]
                if a not in bot_links:
                    bot_links[a] = (
                        tco(rng),
                        "https://bit.ly/" + token(rng, 7, "abcdefghkmnpqrstuvwxyz23456789"),
                    )
                url, link = bot_links[a]
                tw.urls[j].append((url, link, link.removeprefix("https://")))
                mentions = " ".join("@" + user[x] for x in tw.extra[j])
                tw.text[j] = f"{base} {url} {mentions} #{MARKET_TOPIC} #AI"
                continue
            if line in ("brand_post", "competitor_post"):
                launch_day = launch_day % 5 + 1
                base = TEXTS[line][int(rng.integers(0, len(TEXTS[line])))].format(n=launch_day)
                slug = "-".join(base.lower().split()[:5]).strip(".:,!")
                link = f"https://{user[a].lower()}.example/blog/{re.sub(r'[^a-z0-9-]', '', slug)}"
                url = tco(rng)
                tw.urls[j].append((url, link, link.removeprefix("https://")[:30] + "…"))
                base = f"{base} {url}"
            elif line:
                base = TEXTS[line][int(rng.integers(0, len(TEXTS[line])))]
            elif comm != INTERNAL and rng.random() < 0.05:
                lang, base = TEXTS["other_lang"][
                    int(rng.integers(0, len(TEXTS["other_lang"])))
                ].split("|")
                tw.lang[j] = lang
            else:
                bank = TEXTS[COMM_KEYS[comm]]
                base = bank[int(rng.integers(0, len(bank)))].format(
                    product=PRODUCTS[int(rng.integers(0, len(PRODUCTS)))]
                )
            ex = [x for x in tw.extra[j] if x != a and ("@" + user[x]) not in base]
            tw.extra[j] = ex
            if len(ex) == 1:
                base += MENTION_CLAUSES_1[int(rng.integers(0, 5))].format(u=user[ex[0]])
            elif len(ex) >= 2:
                base += MENTION_CLAUSES_2[int(rng.integers(0, 3))].format(
                    u=user[ex[0]], v=user[ex[1]]
                )
                for x in ex[2:]:
                    base += f" @{user[x]}"
            tags = hashtags_for(rng, comm, 0.7 if "Lumina" in base else 0.3)
            tw.text[j] = (base + " " + " ".join("#" + t for t in tags)).strip()
        elif kind == REPOST:
            src = int(tw.ref[j])
            full = f"RT @{user[int(tw.author[src])]}: {tw.text[src]}"
            tw.text[j] = full if len(full) <= 140 else full[:139] + "…"
            tw.lang[j] = tw.lang[src]
            tw.urls[j] = [u for u in tw.urls[src] if u[0] in tw.text[j]]
        elif kind == REPLY:
            src = int(tw.ref[j])
            to = [int(tw.author[src])]
            if (
                tw.kind[src] == REPLY
                and int(tw.reply_to[src]) not in to
                and int(tw.reply_to[src]) != a
            ):
                to.append(int(tw.reply_to[src]))
            staff = xa.kind[a] in ("brand",) or xa.comm[a] == INTERNAL
            bank = TEXTS["reply_staff" if staff and rng.random() < 0.5 else "reply"]
            body = bank[int(rng.integers(0, len(bank)))]
            prefix = " ".join("@" + user[x] for x in to)
            cc = "".join(f" cc @{user[x]}" for x in tw.extra[j] if x not in to)
            tw.text[j] = f"{prefix} {body}{cc}"
        else:  # QUOTE
            src = int(tw.ref[j])
            body = TEXTS["quote"][int(rng.integers(0, len(TEXTS["quote"])))]
            cc = "".join(f" cc @{user[x]}" for x in tw.extra[j])
            tags = hashtags_for(rng, comm, 0.25) if rng.random() < 0.4 else []
            link = f"https://twitter.com/{user[int(tw.author[src])]}/status/{tw.tid[src]}"
            url = tco(rng)
            tw.urls[j].append((url, link, link.removeprefix("https://")[:26] + "…"))
            tail = "".join(" #" + t for t in tags)
            tw.text[j] = f"{body}{cc}{tail} {url}"


# --------------------------------------------------------------------------- X pages


def public_metrics(rng: np.random.Generator, xa: XAccounts, tw: Tweets) -> list[dict]:
    """Tweet ``public_metrics`` consistent with the engagements in the data."""
    counts = np.zeros((tw.n, 4), dtype=np.int64)
    has_ref = tw.ref >= 0
    np.add.at(counts, (tw.ref[has_ref], tw.kind[has_ref]), 1)
    followers = xa.followers[tw.author]
    rt, rp, qt = counts[:, REPOST], counts[:, REPLY], counts[:, QUOTE]
    rt = rt + rng.poisson(0.3 * rt)
    likes = rng.poisson(0.4 + 3.5 * rt + 1.2 * rp + 2.0 * qt + followers * 0.0008)
    impressions = followers * rng.uniform(0.03, 0.25, tw.n) + 30 * likes + rng.integers(3, 40, tw.n)
    bookmarks = rng.poisson(0.04 * likes)
    out: list[dict] = []
    for j in range(tw.n):
        if tw.kind[j] == REPOST:
            out.append({})  # filled from the original below
            continue
        out.append(
            {
                "retweet_count": int(rt[j]),
                "reply_count": int(rp[j]),
                "like_count": int(likes[j]),
                "quote_count": int(qt[j]),
                "bookmark_count": int(bookmarks[j]),
                "impression_count": int(impressions[j]),
            }
        )
    for j in np.flatnonzero(tw.kind == REPOST):
        src = out[int(tw.ref[j])]
        out[j] = {
            "retweet_count": src["retweet_count"],
            "reply_count": 0,
            "like_count": 0,
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": 0,
        }
    return out


def tweet_entities(text: str, ids: dict[str, str], urls: list[tuple[str, str, str]]) -> dict:
    """``entities`` of a tweet, with code-point offsets, as the API computes them."""
    ent: dict[str, list[dict]] = {}
    url_map = {u[0]: u for u in urls}
    cut = len(text) - 1 if text.endswith("…") else len(text) + 1  # truncated retweets
    for mt in TCO_RE.finditer(text):
        if mt.end() >= cut:
            continue
        u = url_map.get(mt.group(0))
        if u is not None:
            ent.setdefault("urls", []).append(
                {
                    "start": mt.start(),
                    "end": mt.end(),
                    "url": u[0],
                    "expanded_url": u[1],
                    "display_url": u[2],
                }
            )
    for mt in HASHTAG_RE.finditer(text):
        if mt.end() >= cut:
            continue
        ent.setdefault("hashtags", []).append(
            {"start": mt.start(), "end": mt.end(), "tag": mt.group(1)}
        )
    for mt in MENTION_RE.finditer(text):
        if (mt.start() > 0 and text[mt.start() - 1] not in " (") or mt.end() >= cut:
            continue
        m: dict = {"start": mt.start(), "end": mt.end(), "username": mt.group(1)}
        uid = ids.get(mt.group(1).lower())
        if uid is not None:
            m["id"] = uid
        ent.setdefault("mentions", []).append(m)
    order = ("annotations", "urls", "hashtags", "mentions")
    return {k: ent[k] for k in order if k in ent}


def tweet_object(
    j: int, xa: XAccounts, tw: Tweets, metrics: list[dict], ids: dict[str, str]
) -> dict:
    """One tweet as API v2 returns it with the twarc2 default fields."""
    a = int(tw.author[j])
    tid = str(tw.tid[j])
    kind = int(tw.kind[j])
    obj: dict = {
        "id": tid,
        "text": tw.text[j],
        "author_id": str(xa.uid[a]),
        "created_at": iso_x(int(tw.ms[j])),
        "conversation_id": str(tw.tid[conversation_root(tw, j)]),
    }
    if kind == REPLY:
        obj["in_reply_to_user_id"] = str(xa.uid[int(tw.reply_to[j])])
    if kind != ORIGINAL:
        name = {REPLY: "replied_to", REPOST: "retweeted", QUOTE: "quoted"}[kind]
        obj["referenced_tweets"] = [{"type": name, "id": str(tw.tid[int(tw.ref[j])])}]
    ent = tweet_entities(tw.text[j], ids, tw.urls[j])
    if ent:
        obj["entities"] = ent
    obj.update(
        {
            "public_metrics": metrics[j],
            "lang": tw.lang[j],
            "possibly_sensitive": False,
            "reply_settings": "everyone",
            "edit_history_tweet_ids": [tid],
        }
    )
    return obj


def conversation_root(tw: Tweets, j: int) -> int:
    """The row whose id is the conversation id: replies inherit it, others start their own."""
    while tw.kind[j] == REPLY:
        j = int(tw.ref[j])
    return j


def user_object(a: int, xa: XAccounts, rng_tokens: dict[int, str]) -> dict:
    """One user as API v2 returns it with the twarc2 default user fields."""
    obj: dict = {
        "protected": False,
        "created_at": iso_x(int(xa.created_ms[a])),
        "public_metrics": {
            "followers_count": int(xa.followers[a]),
            "following_count": int(xa.following[a]),
            "tweet_count": int(xa.statuses[a]),
            "listed_count": int(xa.listed[a]),
            "like_count": int(xa.statuses[a] * 1.7),
            "media_count": int(xa.statuses[a] // 23),
        },
        "name": xa.name[a],
        "verified": bool(xa.verified[a]),
        "description": xa.description[a],
        "profile_image_url": f"https://pbs.twimg.com/profile_images/{rng_tokens[a]}_normal.jpg",
        "username": xa.username[a],
        "id": str(xa.uid[a]),
    }
    if xa.location[a]:
        obj["location"] = xa.location[a]
    if xa.url[a]:
        short = "https://t.co/" + rng_tokens[a][-10:]
        obj["url"] = short
        obj["entities"] = {
            "url": {
                "urls": [
                    {
                        "start": 0,
                        "end": len(short),
                        "url": short,
                        "expanded_url": xa.url[a],
                        "display_url": xa.url[a].removeprefix("https://"),
                    }
                ]
            }
        }
    else:
        obj["url"] = ""
    return obj


def search_url(next_token: str | None) -> str:
    """The request URL twarc2 records for a full-archive search page."""
    query = (
        f'(@{BRAND} OR "{COMPANY}" OR lumina OR @{COMPETITORS[0]} OR @{COMPETITORS[1]} '
        f'OR #{MARKET_TOPIC} OR "data observability" OR #dataquality) -is:nullcast'
    )
    params = [
        (
            "expansions",
            "author_id,in_reply_to_user_id,referenced_tweets.id,"
            "referenced_tweets.id.author_id,entities.mentions.username,"
            "attachments.poll_ids,attachments.media_keys,geo.place_id,"
            "edit_history_tweet_ids",
        ),
        (
            "user.fields",
            "created_at,description,entities,id,location,name,pinned_tweet_id,"
            "profile_image_url,protected,public_metrics,url,username,verified,withheld",
        ),
        (
            "tweet.fields",
            "attachments,author_id,conversation_id,created_at,entities,geo,id,"
            "in_reply_to_user_id,lang,public_metrics,text,possibly_sensitive,"
            "referenced_tweets,reply_settings,withheld,edit_history_tweet_ids",
        ),
        (
            "media.fields",
            "alt_text,duration_ms,height,media_key,preview_image_url,type,url,width,public_metrics",
        ),
        ("poll.fields", "duration_minutes,end_datetime,id,options,voting_status"),
        ("place.fields", "contained_within,country,country_code,full_name,geo,id,name,place_type"),
        ("max_results", str(X_PAGE_SIZE)),
        ("query", query),
        ("start_time", WINDOW_START.isoformat()),
        ("end_time", WINDOW_END.isoformat()),
    ]
    if next_token:
        params.append(("next_token", next_token))
    return "https://api.twitter.com/2/tweets/search/all?" + urlencode(params)


def build_pages(rng: np.random.Generator, xa: XAccounts, tw: Tweets) -> list[str]:
    """API v2 search pages (newest first, 100 tweets each) serialised as JSON lines."""
    ids = {
        u.lower(): str(xa.uid[i]) for i, u in enumerate(xa.username) if xa.kind[i] != "suspended"
    }
    metrics = public_metrics(rng, xa, tw)
    img = {a: f"{int(xa.uid[a]) % 10**19}/{token(rng, 8)}{token(rng, 10)}" for a in range(xa.n)}
    tweet_cache: dict[int, dict] = {}
    user_cache: dict[int, dict] = {}
    row_of = {int(t): j for j, t in enumerate(tw.tid)}
    uid_row = {str(xa.uid[a]): a for a in range(xa.n)}
    suspended = {u for i, u in enumerate(xa.username) if xa.kind[i] == "suspended"}

    def tweet(j: int) -> dict:
        """Tweet object of row ``j``, built once."""
        if j not in tweet_cache:
            tweet_cache[j] = tweet_object(j, xa, tw, metrics, ids)
        return tweet_cache[j]

    def user(a: int) -> dict:
        """User object of account row ``a``, built once."""
        if a not in user_cache:
            user_cache[a] = user_object(a, xa, img)
        return user_cache[a]

    order = np.argsort(-tw.tid, kind="stable")
    lines: list[str] = []
    prev_token: str | None = None
    n_pages = (len(order) + X_PAGE_SIZE - 1) // X_PAGE_SIZE
    for p in range(n_pages):
        rows = [int(j) for j in order[p * X_PAGE_SIZE : (p + 1) * X_PAGE_SIZE]]
        data = [tweet(j) for j in rows]
        ref_rows: list[int] = []
        user_rows: list[int] = []
        errors: list[dict] = []
        seen_u: set[int] = set()

        def need(a: int, seen: set[int] = seen_u, acc: list[int] = user_rows) -> None:
            """Expand account ``a`` into the page's users, once."""
            if a not in seen:
                seen.add(a)
                acc.append(a)

        for t in data:
            need(uid_row[t["author_id"]])
        for t in data:
            if "in_reply_to_user_id" in t:
                need(uid_row[t["in_reply_to_user_id"]])
            for m in t.get("entities", {}).get("mentions", []):
                if m["username"] in suspended:
                    err = {
                        "parameter": "entities.mentions.username",
                        "resource_id": m["username"],
                        "value": m["username"],
                        "detail": f"User has been suspended: [{m['username']}].",
                        "title": "Forbidden",
                        "resource_type": "user",
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                    if err not in errors:
                        errors.append(err)
                else:
                    need(uid_row[m["id"]])
            for r in t.get("referenced_tweets", []):
                rj = row_of[int(r["id"])]
                if rj not in ref_rows:
                    ref_rows.append(rj)
        for rj in ref_rows:
            need(int(tw.author[rj]))
        page: dict = {"data": data, "includes": {"users": [user(a) for a in user_rows]}}
        if ref_rows:
            page["includes"]["tweets"] = [tweet(rj) for rj in ref_rows]
        if errors:
            page["errors"] = errors
        meta: dict = {
            "newest_id": data[0]["id"],
            "oldest_id": data[-1]["id"],
            "result_count": len(data),
        }
        next_token = token(rng, 45) if p < n_pages - 1 else None
        if next_token:
            meta["next_token"] = next_token
        page["meta"] = meta
        retrieved = datetime.fromtimestamp(RETRIEVED_AT.timestamp() + 2 * p + p % 3, UTC)
        page["__twarc"] = {
            "url": search_url(prev_token),
            "version": TWARC_VERSION,
            "retrieved_at": retrieved.isoformat(),
        }
        prev_token = next_token
        lines.append(json.dumps(page))
    return lines


# --------------------------------------------------------------------------- other platforms

EDGE_COLUMNS = (
    "source",
    "target",
    "kind",
    "timestamp",
    "platform",
    "post_id",
    "text",
    "topics",
    "weight",
)
ACCOUNT_COLUMNS = ("platform", "handle", "name", "followers", "following", "posts", "created_at",
                   "verified", "bio", "url")  # fmt: skip
ROSTER_COLUMNS = ("platform", "handle", "email", "name", "department", "manager")
CRM_COLUMNS = ("handle", "platform", "status", "company")


@dataclass
class Members:
    """Accounts of one non-X platform: handle, person, activity and attention."""

    platform: str
    handle: list[str]
    person: list[int]  # -1 for company pages
    act: np.ndarray
    att: np.ndarray
    comm: np.ndarray
    staff: np.ndarray  # employees (or company pages)


def platform_members(rng: np.random.Generator, people: People, platform: str) -> Members:
    """Build one platform's accounts from the people on it, with platform-specific noise."""
    used: set[str] = set()
    handle, person, act, att, comm, staff = [], [], [], [], [], []
    for i in range(people.n):
        on = {
            "community": people.on_forum[i],
            "linkedin": people.on_linkedin[i],
            "slack": people.is_employee(i),
        }[platform]
        if not on:
            continue
        f, la = people.first[i].lower(), people.last[i].lower()
        if platform == "slack":
            h = pick_handle([f"{f}.{la}"], used, rng)
        elif platform == "linkedin":
            h = pick_handle(
                [f"{f}-{la}", f"{f}-{la}-{token(rng, 6, '0123456789abcdef')}"], used, rng
            )
        else:
            h = pick_handle([f"{f}{la[0]}", f"{f}_{la}", f"{f}.{la}", f"{f}{la}"], used, rng)
        handle.append(h)
        person.append(i)
        noise = float(rng.lognormal(0.0, 0.5))
        act.append(people.act[i] * noise)
        att.append(people.att[i] * float(rng.lognormal(0.0, 0.4)))
        comm.append(people.comm[i])
        staff.append(people.is_employee(i))
    if platform == "linkedin":
        for slug, _name in (
            ("lumina-analytics", COMPANY),
            ("dataforge", "DataForge"),
            ("quantasoft", "Quanta Software"),
        ):
            handle.append(slug)
            person.append(-1)
            act.append(6.0)
            att.append(float(np.quantile(att, 0.99)) * (2.0 if slug == "lumina-analytics" else 1.0))
            comm.append(INTERNAL if slug == "lumina-analytics" else 0)
            staff.append(slug == "lumina-analytics")
    return Members(
        platform,
        handle,
        person,
        np.array(act),
        np.array(att),
        np.array(comm),
        np.array(staff, dtype=bool),
    )


def topics_field(rng: np.random.Generator, comm: int, p_market: float = 0.3) -> str:
    """A ``;``-separated topics cell."""
    return ";".join(hashtags_for(rng, comm, p_market))


def forum_rows(rng: np.random.Generator, mem: Members, people: People) -> list[dict]:
    """Threads on Lumina's community forum: comments, replies, likes, mentions, solutions."""
    rows: list[dict] = []
    roles = np.array([people.role[p] for p in mem.person])
    rising = np.isin(roles, ("rising", "internal_rising"))
    active = np.isin(roles, ("new_hire", "lurker"), invert=True)
    ext_w = np.where(mem.staff | ~active, 0.0, mem.act)
    staff_w = np.where(
        mem.staff & active, mem.act * np.where(roles == "internal_leader", 5.0, 1.0), 0.0
    )
    answer_w = np.where(active & ~mem.staff, mem.act * mem.att**0.5, 0.0)
    like_w = np.where(active, mem.act, 0.0)
    profile, rising_profile = hourly_profile("public"), hourly_profile("rising")
    med_att = float(np.median(mem.att))
    n_threads = 1500
    starter = weighted_choice(rng, ext_w, n_threads)
    n_ann = 60
    starter = np.concatenate([starter, weighted_choice(rng, staff_w, n_ann)])
    t0 = sample_ms(rng, len(starter), profile)
    late = rising[starter]
    t0[late] = sample_ms(rng, int(late.sum()), rising_profile)
    for k in np.argsort(t0, kind="stable"):
        s = int(starter[k])
        tid = 2100 + int(k)
        comm = int(mem.comm[s])
        topic_word = COMMUNITIES[comm].topics[0] if comm < INTERNAL else MARKET_TOPIC
        topics = topics_field(rng, comm, 0.4)
        is_ann = k >= n_threads
        title_bank = FORUM_ANNOUNCEMENTS if is_ann else FORUM_QUESTIONS
        title = title_bank[int(rng.integers(0, len(title_bank)))].format(t=topic_word)
        n_comments = int(min(40, 1 + rng.negative_binomial(1.2, 0.38)))
        if is_ann:
            n_comments += int(rng.integers(3, 12))
        posts: list[tuple[int, int, int]] = [(s, int(t0[k]), 1)]  # (author, ms, post number)
        ms = int(t0[k])
        solved = False
        for c in range(n_comments):
            ms += int(max(60_000, rng.lognormal(np.log(3 * HOUR_MS), 1.2)))
            if ms >= END_MS:
                break
            if rng.random() < (0.15 if is_ann else 0.38):
                who = int(weighted_choice(rng, staff_w, 1)[0])
            else:
                w = answer_w * np.where(mem.comm == comm, 1.0, 0.25)
                if ms >= RISING_MS:
                    w = w * np.where(rising, 6.0, 1.0)
                else:
                    w = w * np.where(rising, 0.1, 1.0)
                who = int(weighted_choice(rng, w, 1)[0])
            if who == s and c == 0:
                continue
            number = len(posts) + 1
            pid = f"t/{tid}/{number}"
            answer = FORUM_ANSWERS[int(rng.integers(0, len(FORUM_ANSWERS)))].format(t=topic_word)
            if c > 0 and rng.random() < 0.35:
                prev = posts[int(rng.integers(1, len(posts)))] if len(posts) > 1 else posts[0]
                target, kind = prev[0], "reply"
            else:
                target, kind = s, "comment"
            weight = 1.0
            if (
                kind == "comment"
                and not solved
                and not is_ann
                and (mem.staff[who] or rng.random() < 0.3)
            ):
                solved, weight = True, 2.0
            if target != who:
                rows.append(edge(mem, who, target, kind, ms, pid, answer, topics, weight))
            if rng.random() < 0.08:
                m = int(weighted_choice(rng, np.where(active, mem.att, 0.0), 1)[0])
                if m not in (who, target):
                    rows.append(
                        edge(
                            mem,
                            who,
                            m,
                            "mention",
                            ms,
                            pid,
                            f"@{mem.handle[m]} {answer}",
                            topics,
                            1.0,
                        )
                    )
            posts.append((who, ms, number))
        # likes on the thread's posts
        for author, pms, number in posts:
            n_likes = rng.poisson(0.06 + 0.24 * min(mem.att[author] / med_att, 10.0) ** 0.8)
            likers = weighted_choice(rng, like_w, int(n_likes))
            for liker in dict.fromkeys(int(x) for x in likers):
                lms = pms + int(max(30_000, rng.lognormal(np.log(6 * HOUR_MS), 1.0)))
                if liker != author and lms < END_MS:
                    rows.append(
                        edge(
                            mem,
                            liker,
                            author,
                            "like",
                            lms,
                            f"t/{tid}/{number}#like-{mem.handle[liker]}",
                            "",
                            topics,
                            1.0,
                        )
                    )
        if rng.random() < 0.1:
            m = int(weighted_choice(rng, np.where(mem.staff & active, mem.att, 0.0), 1)[0])
            if m != s:
                rows.append(
                    edge(
                        mem,
                        s,
                        m,
                        "mention",
                        int(t0[k]),
                        f"t/{tid}/1",
                        f"{title} @{mem.handle[m]}",
                        topics,
                        1.0,
                    )
                )
    return rows


def edge(
    mem: Members,
    src: int,
    dst: int,
    kind: str,
    ms: int,
    post_id: str,
    text: str,
    topics: str,
    weight: float,
) -> dict:
    """One row of ``community_edges.csv``."""
    return {
        "source": mem.handle[src],
        "target": mem.handle[dst],
        "kind": kind,
        "timestamp": iso_csv(ms),
        "platform": mem.platform,
        "post_id": post_id,
        "text": text,
        "topics": topics,
        "weight": f"{weight:g}",
        "_ms": ms,
    }


def linkedin_rows(rng: np.random.Generator, mem: Members, people: People) -> list[dict]:
    """LinkedIn posts by data leaders, employees and company pages: comments, likes, reposts."""
    rows: list[dict] = []
    roles = np.array([people.role[p] if p >= 0 else "page" for p in mem.person])
    active = np.isin(roles, ("new_hire", "lurker"), invert=True)
    boost = np.where(np.isin(roles, ("internal_leader", "leader")), 3.0, 1.0)
    post_w = np.where(
        active, mem.act * boost * np.where(mem.comm == COMM_INDEX["execs"], 2.0, 1.0), 0.0
    )
    eng_w = np.where(active & (mem.person != -1), mem.act, 0.0)
    profile = hourly_profile("public")
    n_posts = 1500
    authors = weighted_choice(rng, post_w, n_posts)
    t0 = np.sort(sample_ms(rng, n_posts, profile))
    act_ids = snowflake(rng, t0)
    lumina_page = mem.handle.index("lumina-analytics")
    med = float(np.median(mem.att))
    for k in range(n_posts):
        a, ms0 = int(authors[k]), int(t0[k])
        urn = f"urn:li:activity:{act_ids[k]}"
        comm = int(mem.comm[a])
        topics = topics_field(rng, comm, 0.35)
        text = LINKEDIN_POSTS[int(rng.integers(0, len(LINKEDIN_POSTS)))]
        pull = min(mem.att[a] / med, 12.0) ** 0.8
        same = np.where(mem.comm == comm, 1.0, 0.3)
        colleague = np.where(mem.staff, 4.0, 1.0) if mem.staff[a] else 1.0
        w = eng_w * same * colleague
        if rng.random() < 0.22:  # tag colleagues, the company page or peers
            tag_w = np.where(active, mem.att, 0.0) * (
                np.where(mem.staff, 5.0, 0.5) if mem.staff[a] else same
            )
            tags = dict.fromkeys(
                int(x) for x in weighted_choice(rng, tag_w, int(rng.integers(1, 3)))
            )
            if mem.staff[a] and rng.random() < 0.5:
                tags[lumina_page] = None
            for m in tags:
                if m != a:
                    rows.append(
                        edge(
                            mem, a, m, "mention", ms0, urn, f"{text} @{mem.handle[m]}", topics, 1.0
                        )
                    )
        for kind, mean in (("comment", 1.0), ("like", 1.6), ("repost", 0.12)):
            n = int(rng.poisson(mean * pull))
            for e in dict.fromkeys(int(x) for x in weighted_choice(rng, w, n)):
                ems = ms0 + int(max(60_000, rng.lognormal(np.log(5 * HOUR_MS), 1.2)))
                if e == a or ems >= END_MS:
                    continue
                if kind == "comment":
                    cid = snowflake(rng, np.array([ems]))[0]
                    pid = f"urn:li:comment:({urn},{cid})"
                    body = LINKEDIN_COMMENTS[int(rng.integers(0, len(LINKEDIN_COMMENTS)))]
                elif kind == "like":
                    pid, body = f"urn:li:reaction:({mem.handle[e]},{urn})", ""
                else:
                    pid = f"urn:li:activity:{snowflake(rng, np.array([ems]))[0]}"
                    body = ""
                rows.append(edge(mem, e, a, kind, ems, pid, body, topics, 1.0))
    return rows


def slack_rows(rng: np.random.Generator, mem: Members, people: People) -> list[dict]:
    """Internal Slack: channel threads (reply, mention) and direct messages (message)."""
    rows: list[dict] = []
    n = len(mem.handle)
    roles = [people.role[p] for p in mem.person]
    active = np.array([r not in ("new_hire",) for r in roles])
    hub = np.array([5.0 if r == "internal_leader" else 1.0 for r in roles])
    rising = np.array([r == "internal_rising" for r in roles])
    act = np.where(active, np.maximum(mem.act, 0.3) ** 0.6 * hub, 0.0)
    dept = np.array([people.dept[p] for p in mem.person])
    row_of_person = {p: k for k, p in enumerate(mem.person)}
    manager = np.array([row_of_person.get(people.manager[p], -1) for p in mem.person])
    profile = hourly_profile("internal")
    chan_ids = {
        name: f"C0{token(rng, 8, 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789')}"
        for name, _ in SLACK_CHANNELS
    }

    def slack_ts(ms: int) -> str:
        """A Slack message ``ts`` for an instant."""
        return f"{ms // 1000}.{(ms % 1000) * 1000 + int(rng.integers(0, 1000)):06d}"

    def late_weight(ms: int) -> np.ndarray:
        """Weights that make the rising employee busy in the last three weeks only."""
        return np.where(rising, 4.0 if ms >= RISING_MS else 0.3, 1.0)

    for name, depts in SLACK_CHANNELS:
        in_chan = np.isin(dept, depts) if depts else np.ones(n, dtype=bool)
        w = act * in_chan
        n_threads = int(120 + 40 * in_chan.sum() ** 0.5)
        t0 = np.sort(sample_ms(rng, n_threads, profile))
        if name == "launch-observe-3":
            t0 = np.sort(
                LAUNCH_MS - int(20 * 24 * HOUR_MS) + rng.integers(0, 26 * 24 * HOUR_MS, n_threads)
            )
            t0 = t0[t0 < END_MS]
        topics = "luminaobserve;launchweek" if name == "launch-observe-3" else "lumina"
        for ms0 in t0:
            ms0 = int(ms0)
            s = int(weighted_choice(rng, w * late_weight(ms0), 1)[0])
            text = SLACK_MESSAGES[int(rng.integers(0, len(SLACK_MESSAGES)))]
            ts = slack_ts(ms0)
            if rng.random() < 0.3:
                m = (
                    int(manager[s])
                    if manager[s] >= 0 and rng.random() < 0.4
                    else int(weighted_choice(rng, act * hub * in_chan, 1)[0])
                )
                if m != s:
                    rows.append(
                        edge(
                            mem,
                            s,
                            m,
                            "mention",
                            ms0,
                            f"{chan_ids[name]}:{ts}",
                            f"@{mem.handle[m]} {text}",
                            topics,
                            1.0,
                        )
                    )
            n_rep = int(rng.negative_binomial(1.0, 0.35))
            ms = ms0
            for _ in range(n_rep):
                ms += int(max(20_000, rng.lognormal(np.log(0.5 * HOUR_MS), 1.2)))
                if ms >= END_MS:
                    break
                r = int(weighted_choice(rng, w * late_weight(ms), 1)[0])
                if r != s:
                    body = SLACK_MESSAGES[int(rng.integers(0, len(SLACK_MESSAGES)))]
                    rows.append(
                        edge(
                            mem,
                            r,
                            s,
                            "reply",
                            ms,
                            f"{chan_ids[name]}:{slack_ts(ms)}",
                            body,
                            topics,
                            1.0,
                        )
                    )
    # direct messages: managers, same department, hubs
    n_dm = 1700
    t_dm = np.sort(sample_ms(rng, n_dm, profile))
    for ms in t_dm:
        ms = int(ms)
        s = int(weighted_choice(rng, act * late_weight(ms), 1)[0])
        u = rng.random()
        if u < 0.35 and manager[s] >= 0:
            t = int(manager[s])
        elif u < 0.7:
            t = int(weighted_choice(rng, act * (dept == dept[s]) * late_weight(ms), 1)[0])
        else:
            t = int(weighted_choice(rng, act * hub**1.5 * late_weight(ms), 1)[0])
        if t == s or not active[t]:
            continue
        pair = "-".join(sorted((mem.handle[s], mem.handle[t])))
        dm = "D0" + base36(hash_str(pair) % 36**8).rjust(8, "0")
        rows.append(
            edge(
                mem,
                s,
                t,
                "message",
                ms,
                f"{dm}:{slack_ts(ms)}",
                SLACK_MESSAGES[int(rng.integers(0, len(SLACK_MESSAGES)))],
                "lumina",
                1.0,
            )
        )
    return rows


def base36(n: int) -> str:
    """Upper-case base-36 digits of a non-negative integer (Slack-like ids)."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def hash_str(s: str) -> int:
    """A stable (not per-process salted) integer hash of a string."""
    h = 1469598103934665603
    for ch in s.encode():
        h = ((h ^ ch) * 1099511628211) % 2**64
    return h


# --------------------------------------------------------------------------- tables


def accounts_table(
    rng: np.random.Generator,
    platforms: list[Members],
    people: People,
    posts_by: dict[tuple[str, str], int],
) -> list[dict]:
    """``accounts.csv``: profiles of the forum, LinkedIn and Slack accounts that appear."""
    out: list[dict] = []
    hired_lo = to_ms(datetime(2019, 3, 1, tzinfo=UTC))
    for mem in platforms:
        for k, h in enumerate(mem.handle):
            p = mem.person[k]
            if p >= 0 and people.role[p] == "new_hire":
                continue
            posts = posts_by.get((mem.platform, h), 0)
            if p < 0:
                name = {
                    "lumina-analytics": COMPANY,
                    "dataforge": "DataForge",
                    "quantasoft": "Quanta Software",
                }[h]
                row = {
                    "name": name,
                    "followers": int(mem.att[k] * 900),
                    "following": 0,
                    "created_at": "",
                    "verified": "true",
                    "bio": BRANDS[["lumina-analytics", "dataforge", "quantasoft"].index(h)][2],
                    "url": f"https://www.linkedin.com/company/{h}/",
                }
            else:
                emp = people.is_employee(p)
                title = (
                    people.title[p]
                    if emp
                    else {
                        0: "Data Engineer",
                        1: "ML Engineer",
                        2: "Analytics Lead",
                        3: "Site Reliability Engineer",
                        4: "Chief Data Officer",
                    }[people.comm[p]]
                )
                org = (
                    COMPANY
                    if emp
                    else "independent"
                    if people.role[p] in ("leader", "rising")
                    else f"{COMPANY_PREFIXES[p % len(COMPANY_PREFIXES)]} {COMPANY_SUFFIXES[p % len(COMPANY_SUFFIXES)]}"
                )
                followers = int(25 * mem.att[k] ** 1.2 * rng.lognormal(0, 0.4)) + int(
                    rng.integers(5, 80)
                )
                created = hired_lo + int(rng.integers(0, 6 * 365 * 24 * 3600)) * 1000
                if emp and "co-founder" in (title or ""):
                    created = hired_lo + int(rng.integers(0, 3 * 24 * 3600)) * 1000
                if mem.platform == "slack":
                    row = {
                        "name": people.name(p),
                        "followers": "",
                        "following": "",
                        "created_at": iso_csv(created),
                        "verified": "",
                        "bio": f"{title}, {people.dept[p]}",
                        "url": "",
                    }
                elif mem.platform == "linkedin":
                    row = {
                        "name": people.name(p),
                        "followers": followers,
                        "following": int(rng.lognormal(np.log(500), 0.6)),
                        "created_at": "",
                        "verified": "true" if rng.random() < 0.35 else "false",
                        "bio": f"{title} at {org}",
                        "url": f"https://www.linkedin.com/in/{h}/",
                    }
                else:
                    row = {
                        "name": people.name(p),
                        "followers": max(0, followers // 20),
                        "following": int(rng.integers(0, 40)),
                        "created_at": iso_csv(created),
                        "verified": "true" if emp else "false",
                        "bio": f"{title} at {org}" + (" (Lumina staff)" if emp else ""),
                        "url": f"https://community.{EMAIL_DOMAIN}/u/{h}",
                    }
            out.append({"platform": mem.platform, "handle": h, **row, "posts": posts})
    return [{c: r[c] for c in ACCOUNT_COLUMNS} for r in out]


def employee_email(people: People, i: int) -> str:
    """The work email of employee ``i``."""
    return f"{people.first[i].lower()}.{people.last[i].lower()}@{EMAIL_DOMAIN}"


def roster_table(people: People, platforms: dict[str, Members], xa: XAccounts) -> list[dict]:
    """``roster.csv``: one row per account an employee holds (Slack, X, LinkedIn, forum)."""
    handles = {
        name: {p: mem.handle[k] for k, p in enumerate(mem.person) if p >= 0}
        for name, mem in platforms.items()
    }
    x_handle = {int(xa.person[k]): xa.username[k] for k in range(xa.n) if xa.person[k] >= 0}
    emails = {i: employee_email(people, i) for i in range(people.n) if people.is_employee(i)}
    rows: list[dict] = []
    for i in sorted(emails, key=lambda i: emails[i]):
        base = {
            "email": emails[i],
            "name": people.name(i),
            "department": people.dept[i],
            "manager": emails.get(people.manager[i], ""),
        }
        for platform, handle in (
            ("slack", handles["slack"].get(i)),
            ("x", x_handle.get(i)),
            ("linkedin", handles["linkedin"].get(i)),
            ("community", handles["community"].get(i)),
        ):
            if handle:
                rows.append({"platform": platform, "handle": handle, **base})
    # The company's own brand account belongs inside: it is not a community leader to recruit.
    rows.insert(
        0,
        {
            "platform": "x",
            "handle": BRAND,
            "email": "social@lumina-analytics.example",
            "name": "Lumina Analytics (brand account)",
            "department": "Brand",
            "manager": "",
        },
    )
    return [{c: r[c] for c in ROSTER_COLUMNS} for r in rows]


def crm_table(
    rng: np.random.Generator,
    people: People,
    xa: XAccounts,
    linkedin: Members,
    seen_x: set[int],
    seen_li: set[str],
) -> list[dict]:
    """``crm.csv``: ~200 customers and prospects; most match active accounts, some don't."""
    rows: list[dict] = []
    p_comm = {
        COMM_INDEX["analytics"]: 3.0,
        COMM_INDEX["execs"]: 4.0,
        COMM_INDEX["dataeng"]: 1.5,
        COMM_INDEX["ml"]: 0.8,
        COMM_INDEX["devops"]: 0.6,
    }
    x_cand = [
        k
        for k in range(xa.n)
        if xa.person[k] >= 0
        and k in seen_x
        and xa.comm[k] != INTERNAL
        and xa.kind[k] == "background"
    ]
    w = np.array([p_comm[int(xa.comm[k])] * np.log1p(xa.att[k]) for k in x_cand])
    chosen_x = [x_cand[int(i)] for i in rng.choice(len(x_cand), 95, replace=False, p=w / w.sum())]
    li_cand = [
        k
        for k, h in enumerate(linkedin.handle)
        if linkedin.person[k] >= 0 and h in seen_li and not linkedin.staff[k]
    ]
    li_cand = [
        k
        for k in li_cand
        if people.x_handle[linkedin.person[k]] is None
        or xa.username.index(people.x_handle[linkedin.person[k]]) not in chosen_x
    ]
    chosen_li = [li_cand[int(i)] for i in rng.choice(len(li_cand), 75, replace=False)]
    names = [f"{a} {b}" for a in COMPANY_PREFIXES for b in COMPANY_SUFFIXES]
    companies = [names[int(i)] for i in rng.choice(len(names), 120, replace=False)]

    def company() -> str:
        """A company name from the CRM's list."""
        return companies[int(rng.integers(0, len(companies)))]

    for k in chosen_x:
        rows.append({"handle": xa.username[k], "platform": "x", "_person": int(xa.person[k])})
    for k in chosen_li:
        rows.append(
            {"handle": linkedin.handle[k], "platform": "linkedin", "_person": linkedin.person[k]}
        )
    for _ in range(30):  # on the CRM, not in the conversation (yet)
        f = FIRST_NAMES[int(rng.integers(0, len(FIRST_NAMES)))].lower()
        la = LAST_NAMES[int(rng.integers(0, len(LAST_NAMES)))].lower()
        if rng.random() < 0.5:
            rows.append(
                {
                    "handle": f"{f}_{la}_{token(rng, 3, '0123456789')}",
                    "platform": "x",
                    "_person": -1,
                }
            )
        else:
            rows.append(
                {
                    "handle": f"{f}-{la}-{token(rng, 6, '0123456789abcdef')}",
                    "platform": "linkedin",
                    "_person": -1,
                }
            )
    status_of = {"bi_with_ben": "customer", "cdo_rachel": "prospect"}
    for r in rows:
        r["status"] = "customer" if rng.random() < 0.4 else "prospect"
        r["company"] = company()
    for p in PLANTED:
        if p.x in status_of:
            rows.append(
                {
                    "handle": p.x,
                    "platform": "x",
                    "status": status_of[p.x],
                    "company": "independent"
                    if p.role == "leader" and p.x == "cdo_rachel"
                    else company(),
                    "_person": -1,
                }
            )
    rows.sort(key=lambda r: (r["company"], r["platform"], r["handle"].lower()))
    return [{c: r[c] for c in CRM_COLUMNS} for r in rows]


# --------------------------------------------------------------------------- output


def csv_bytes(rows: list[dict], columns: Sequence[str]) -> bytes:
    """Rows as UTF-8 CSV with a header and ``\\n`` line ends."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def gzip_bytes(payload: bytes) -> bytes:
    """Deterministic gzip: no file name, ``mtime=0``."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as gz:
        gz.write(payload)
    return buf.getvalue()


def x_interaction_counts(tw: Tweets, xa: XAccounts) -> dict[str, int]:
    """Edges the X part yields: one per tweet and distinct account it engages, by kind.

    A repost is one edge to the original's author; a reply or quote is one edge to the
    account replied to or quoted plus one mention edge per other account it names.
    """
    ids = {
        u.lower(): str(xa.uid[i]) for i, u in enumerate(xa.username) if xa.kind[i] != "suspended"
    }
    counts = {"repost": 0, "reply": 0, "quote": 0, "mention": 0}
    for j in range(tw.n):
        k = int(tw.kind[j])
        if k == REPOST:
            counts["repost"] += 1
            continue
        targets = {str(xa.uid[int(tw.author[j])])}
        if k == REPLY:
            counts["reply"] += 1
            targets.add(str(xa.uid[int(tw.reply_to[j])]))
        if k == QUOTE:
            counts["quote"] += 1
            targets.add(str(xa.uid[int(tw.author[int(tw.ref[j])])]))
        for m in tweet_entities(tw.text[j], ids, []).get("mentions", []):
            if "id" in m and m["id"] not in targets:
                targets.add(m["id"])
                counts["mention"] += 1
    return counts


def ground_truth(
    people: People, xa: XAccounts, platforms: dict[str, Members], seed: int, counts: dict
) -> dict:
    """The planted story: who should rank as leaders, brokers, rising stars and bots."""
    row_of = {u: k for k, u in enumerate(xa.username)}
    handles = {
        name: {p: mem.handle[k] for k, p in enumerate(mem.person) if p >= 0}
        for name, mem in platforms.items()
    }

    def accounts_of(i: int) -> list[dict]:
        """Every account person ``i`` holds, X id included."""
        out = []
        h = people.x_handle[i]
        if h and h in row_of:
            out.append({"platform": "x", "handle": h, "id": str(xa.uid[row_of[h]])})
        for name in ("linkedin", "community", "slack"):
            if i in handles[name]:
                out.append({"platform": name, "handle": handles[name][i]})
        return out

    def planted(role: str) -> list[dict]:
        """Ground-truth entries of the planted people with ``role``."""
        out = []
        for i in range(people.n):
            p = people.planted[i]
            if p is None or p.role != role:
                continue
            entry = {
                "name": people.name(i),
                "x_handle": p.x,
                "community": p.community,
                "accounts": accounts_of(i),
                "note": p.note,
            }
            if p.second:
                entry["bridges"] = [p.community, p.second]
            if p.title:
                entry["title"] = p.title
                entry["department"] = p.department
            out.append(entry)
        return out

    bots = [
        {
            "platform": "x",
            "handle": u,
            "id": str(xa.uid[row_of[u]]),
            "signals": [
                "hundreds of posts round the clock",
                "duplicate texts with links",
                "account created in 2026",
                "few followers, thousands followed",
                "nobody engages back",
            ],
        }
        for u, _ in BOTS
    ]
    return {
        "generator": "scripts/make_sample_data.py",
        "seed": seed,
        "window": {
            "start": WINDOW_START.isoformat().replace("+00:00", "Z"),
            "end": WINDOW_END.isoformat().replace("+00:00", "Z"),
            "rising_from": RISING_FROM.isoformat().replace("+00:00", "Z"),
            "launch": LAUNCH_AT.isoformat().replace("+00:00", "Z"),
        },
        "company": {
            "name": COMPANY,
            "x_handle": BRAND,
            "linkedin": "lumina-analytics",
            "email_domain": EMAIL_DOMAIN,
            "products": list(PRODUCTS),
            "competitors": list(COMPETITORS),
            "market_topic": MARKET_TOPIC,
        },
        "communities": [
            {"key": c.key, "label": c.label, "topics": list(c.topics)} for c in COMMUNITIES
        ]
        + [{"key": "lumina", "label": "Lumina employees", "topics": list(INTERNAL_TOPICS)}],
        "brands": [
            {"platform": "x", "handle": b[0], "id": str(xa.uid[row_of[b[0]]])} for b in BRANDS
        ],
        "leaders": {"external": planted("leader"), "internal": planted("internal_leader")},
        "brokers": planted("broker"),
        "rising": planted("rising") + planted("internal_rising"),
        "bots": bots,
        "suspended_mentions": list(SUSPENDED),
        "employees": {
            "not_seen_anywhere": [
                employee_email(people, i) for i in range(people.n) if people.role[i] == "new_hire"
            ],
            "x_handles_never_seen": [
                people.x_handle[i] for i in range(people.n) if people.role[i] == "lurker"
            ],
        },  # fmt: skip
        "counts": counts,
    }


# --------------------------------------------------------------------------- Slack export, mail

#: Channels of ``slack_export.zip`` (apart from the CSV's channels, so nothing is counted twice).
EXPORT_CHANNELS = ("ask-observe", "data-guild")
EXPORT_BOT = ("U0LUMNBOT", "lumina-ci", "Lumina CI")
EXPORT_MESSAGES = (
    "Has anyone seen freshness alerts fire twice for the same table?",
    "How do I wire Lineage into our dbt project?",
    "Pulse dashboards are slow for the EU tenant, any idea?",
    "Writing up the Observe 3.0 migration guide, input welcome",
    "Is there a way to mute an incident for a maintenance window?",
    "Sharing the slides from yesterday's customer workshop",
)
MAIL_SUBJECTS = (
    "Observe 3.0 launch plan", "Customer escalation: Apex Foods", "Weekly product update",
    "Webinar speakers", "Q4 roadmap review", "Lineage beta feedback",
)
#: Fixed time of every zip member, so the archive is byte-identical run after run.
ZIP_TIME = (2026, 11, 16, 2, 0, 0)


def slack_user_id(handle: str) -> str:
    """A Slack-like user id, stable for a handle."""
    return "U0" + base36(hash_str("slack-user:" + handle) % 36**8).rjust(8, "0")


def export_zip(members: dict[str, bytes]) -> bytes:
    """A zip of ``members`` (stored, fixed times, sorted): the same bytes on every machine."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.external_attr = 0o644 << 16
            z.writestr(info, members[name])
    return buf.getvalue()


def slack_export(rng: np.random.Generator, mem: Members, people: People) -> bytes:
    """``slack_export.zip``: threads, mentions and reactions among employees in two channels.

    The internal leaders start and answer most threads; a CI bot posts build notes
    that people react to (the bot is ``is_bot`` and ranks as automated).
    """
    roles = [people.role[p] for p in mem.person]
    hub = np.array([6.0 if r == "internal_leader" else 1.0 for r in roles])
    active = np.array([r != "new_hire" for r in roles])
    w = np.where(active, np.maximum(mem.act, 0.3) ** 0.6 * hub, 0.0)
    ids = [slack_user_id(h) for h in mem.handle]
    users = [
        {
            "id": ids[k], "team_id": "T0LUMINA1", "name": mem.handle[k], "deleted": False,
            "real_name": people.name(p), "is_bot": False,
            "profile": {"real_name": people.name(p), "display_name": mem.handle[k],
                        "title": people.title[p] or "", "email": employee_email(people, p)},
        }
        for k, p in enumerate(mem.person)
    ]
    users.append({"id": EXPORT_BOT[0], "team_id": "T0LUMINA1", "name": EXPORT_BOT[1],
                  "deleted": False, "real_name": EXPORT_BOT[2], "is_bot": True,
                  "profile": {"real_name": EXPORT_BOT[2], "display_name": EXPORT_BOT[1]}})
    channels, files = [], {}
    profile = hourly_profile("internal")
    for c, name in enumerate(EXPORT_CHANNELS):
        cid = f"C0{base36(hash_str('channel:' + name) % 36**8).rjust(8, '0')}"
        channels.append({"id": cid, "name": name, "created": str(START_MS // 1000),
                         "creator": ids[int(np.argmax(w))], "is_archived": False,
                         "is_general": False, "members": ids,
                         "topic": {"value": "", "creator": "", "last_set": "0"},
                         "purpose": {"value": name.replace("-", " "), "creator": "", "last_set": "0"}})
        days: dict[str, list[dict]] = {}
        for ms0 in np.sort(sample_ms(rng, 140, profile)):
            ms0 = int(ms0)
            s = int(weighted_choice(rng, w, 1)[0])
            ts0 = f"{ms0 // 1000}.{(ms0 % 1000) * 1000:06d}"
            text = EXPORT_MESSAGES[int(rng.integers(0, len(EXPORT_MESSAGES)))]
            root = {"type": "message", "user": ids[s], "text": text, "ts": ts0}
            if rng.random() < 0.35:
                m = int(weighted_choice(rng, w * hub, 1)[0])
                if m != s:
                    root["text"] = f"<@{ids[m]}> {text}"
            thread = [root]
            ms = ms0
            for _ in range(int(rng.negative_binomial(1.2, 0.4))):
                ms += int(max(30_000, rng.lognormal(np.log(0.4 * HOUR_MS), 1.0)))
                if ms >= END_MS:
                    break
                r = int(weighted_choice(rng, w * hub, 1)[0])
                if r != s:
                    thread.append({"type": "message", "user": ids[r], "ts": f"{ms // 1000}.{(ms % 1000) * 1000:06d}",
                                   "thread_ts": ts0, "parent_user_id": ids[s],
                                   "text": "Here is how we did it: " + text.lower()})
            if len(thread) > 1:
                root.update(thread_ts=ts0, reply_count=len(thread) - 1)
            fans = sorted({int(x) for x in weighted_choice(rng, w, int(rng.integers(0, 4)))} - {s})
            if fans:
                root["reactions"] = [{"name": "raised_hands", "users": [ids[f] for f in fans],
                                      "count": len(fans)}]
            for msg in thread:
                day = datetime.fromtimestamp(float(msg["ts"]), tz=UTC).strftime("%Y-%m-%d")
                days.setdefault(day, []).append(msg)
        if c == 1:  # the CI bot in #data-guild
            for ms in np.sort(sample_ms(rng, 25, profile)):
                ms = int(ms)
                fans = sorted({int(x) for x in weighted_choice(rng, w, 2)})
                msg = {"type": "message", "subtype": "bot_message", "bot_id": "B0LUMNCI1",
                       "username": EXPORT_BOT[1], "user": EXPORT_BOT[0], "text": "Nightly build passed",
                       "ts": f"{ms // 1000}.{(ms % 1000) * 1000:06d}",
                       "reactions": [{"name": "+1", "users": [ids[f] for f in fans], "count": len(fans)}]}
                day = datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d")
                days.setdefault(day, []).append(msg)
        for day, msgs in days.items():
            msgs.sort(key=lambda m: float(m["ts"]))
            files[f"{name}/{day}.json"] = json.dumps(msgs, indent=1, ensure_ascii=False).encode()
    files["users.json"] = json.dumps(users, indent=1, ensure_ascii=False).encode()
    files["channels.json"] = json.dumps(channels, indent=1, ensure_ascii=False).encode()
    return export_zip(files)


def mail_archive(rng: np.random.Generator, people: People, crm_rows: list[dict]) -> bytes:
    """``mail.mbox.gz``: headers of internal mail (announcements, 1:1s, replies) and customer mail.

    Bodies are one line: Scout reads headers only.
    """
    from email.utils import format_datetime

    emp = [i for i in range(people.n) if people.is_employee(i) and people.role[i] != "new_hire"]
    hub = np.array([6.0 if people.role[i] == "internal_leader" else 1.0 for i in emp])
    w = np.array([max(people.act[i], 0.3) ** 0.6 for i in emp]) * hub
    addr = [employee_email(people, i) for i in emp]
    customers = sorted({f"{r['handle'].replace('_', '.').lower()}@{r['company'].split()[0].lower()}.example"
                        for r in crm_rows if r.get("company")})[:12]
    profile = hourly_profile("internal")
    out = io.StringIO()
    sent: list[tuple[str, str]] = []  # (message id, sender)
    for n, ms in enumerate(np.sort(sample_ms(rng, 420, profile))):
        ms = int(ms)
        s = int(weighted_choice(rng, w, 1)[0])
        u = rng.random()
        if u < 0.1:  # an announcement to a whole department or more
            to = sorted({addr[int(k)] for k in weighted_choice(rng, np.ones(len(emp)), 25)} - {addr[s]})
        elif u < 0.2 and customers:
            to = [customers[int(rng.integers(0, len(customers)))]]
        else:
            to = sorted({addr[int(k)] for k in weighted_choice(rng, w * hub, 1 + int(rng.integers(0, 3)))}
                        - {addr[s]})
        if not to:
            continue
        parent = sent[int(rng.integers(max(0, len(sent) - 30), len(sent)))] if sent and rng.random() < 0.35 else None
        if parent is not None and parent[1] != addr[s]:
            to = sorted(set(to) | {parent[1]})
        mid = f"{n:04d}.{token(rng, 10)}@mail.{EMAIL_DOMAIN}"
        when = datetime.fromtimestamp(ms / 1000, tz=UTC)
        subject = MAIL_SUBJECTS[int(rng.integers(0, len(MAIL_SUBJECTS)))]
        out.write(f"From {addr[s]} {when.strftime('%a %b %d %H:%M:%S %Y')}\n")
        out.write(f"From: {people.name(emp[s])} <{addr[s]}>\n")
        out.write(f"To: {', '.join(to)}\n")
        out.write(f"Subject: {'Re: ' if parent else ''}{subject}\n")
        out.write(f"Date: {format_datetime(when)}\n")
        out.write(f"Message-ID: <{mid}>\n")
        if parent is not None:
            out.write(f"In-Reply-To: <{parent[0]}>\nReferences: <{parent[0]}>\n")
        out.write("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n")
        out.write("(body omitted in the sample: Scout reads headers only)\n\n")
        sent.append((mid, addr[s]))
    return gzip_bytes(out.getvalue().encode("utf-8"))


def x_accounts_seen(tw: Tweets, xa: XAccounts) -> set[int]:
    """Rows of the X accounts that appear in the pages (authors, replied to, mentioned)."""
    seen: set[int] = set(int(a) for a in tw.author)
    seen.update(int(a) for a in tw.reply_to[tw.reply_to >= 0])
    for extra in tw.extra:
        seen.update(extra)
    return seen - {k for k in range(xa.n) if xa.kind[k] == "suspended"}


def other_platform_edges(rng: np.random.Generator, platforms: dict[str, Members],
                         people: People) -> list[dict]:  # fmt: skip
    """Forum, LinkedIn and Slack rows, in time order."""
    edges = (
        forum_rows(rng, platforms["community"], people)
        + linkedin_rows(rng, platforms["linkedin"], people)
        + slack_rows(rng, platforms["slack"], people)
    )
    edges.sort(key=lambda r: (r["_ms"], r["platform"], r["post_id"], r["kind"], r["target"]))
    return edges


def summarise(tw: Tweets, xa: XAccounts, n_pages: int, edges: list[dict], accounts: list[dict],
              seen_x: set[int], tables: dict[str, int], employees: int) -> dict:  # fmt: skip
    """The counts reported on the console and stored in the ground truth."""
    by_platform: dict[str, dict[str, int]] = {"x": x_interaction_counts(tw, xa)}
    for r in sorted(edges, key=lambda r: (r["platform"], r["kind"])):
        d = by_platform.setdefault(r["platform"], {})
        d[r["kind"]] = d.get(r["kind"], 0) + 1
    per_platform = Counter(a["platform"] for a in accounts)
    n_accounts = {"x": len(seen_x)} | {
        p: per_platform[p] for p in ("community", "linkedin", "slack")
    }
    n_accounts["total"] = sum(n_accounts.values())
    kinds = {"original": ORIGINAL, "reply": REPLY, "repost": REPOST, "quote": QUOTE}
    return {
        "accounts": n_accounts,
        "x_tweets": {"total": tw.n}
        | {k: int((tw.kind == v).sum()) for k, v in kinds.items()}
        | {"pages": n_pages},
        "interactions": by_platform,
        "interactions_total": sum(sum(v.values()) for v in by_platform.values()),
        "employees": employees,
    } | tables


# --------------------------------------------------------------------------- other networks
# A little of every other network Scout reads (issue 13), around the launch: comments on the
# company's YouTube channel, the fediverse's #dataobservability, Bluesky, a Reddit thread,
# blogs linking to each other and Lumina's Facebook Page. YouTube, Mastodon and Bluesky come
# as a raw archive in Scout's own format (``networks_raw.jsonl.gz``, replayed through the same
# parsers a live fetch uses); Reddit, blogs and Facebook as an edge list with their identity
# rules (``networks_edges.csv.gz``), with profiles in ``networks_accounts.csv``.

NET_FROM = datetime(2026, 10, 13, tzinfo=UTC)  # a week before the launch
NET_TO = datetime(2026, 11, 15, 12, tzinfo=UTC)
MASTODON_HOSTS = ("hachyderm.example", "fosstodon.example", "mastodon.example")
MASTODON_HOME = MASTODON_HOSTS[0]  # the instance Scout asked: its accounts come without a domain
NET_PRESENCE = {"youtube": 0.45, "mastodon": 0.3, "bluesky": 0.45, "reddit": 0.3,
                "blog": 0.12, "facebook": 0.2}
NETWORK_TOPICS = ("dataobservability", "luminaobserve", "launchweek", "dataengineering",
                  "opentelemetry", "dataquality", "mlops")


@dataclass
class NetCast:
    """Who is on the other networks: person indices and their per-network handles/ids."""

    people: list[int]
    weight: np.ndarray  # attention-like weight, for picking whom to engage
    handles: dict[str, dict[int, str]]  # network -> person -> handle / id


def _net_ms(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` times between NET_FROM and NET_TO, busiest in launch week."""
    lo, hi = to_ms(NET_FROM), to_ms(NET_TO)
    launch = rng.random(n) < 0.55
    ms = np.where(launch, LAUNCH_MS + rng.exponential(3 * 86_400_000, n),
                  rng.uniform(lo, hi, n))
    return np.clip(ms, lo, hi - 1).astype(np.int64)


def network_cast(rng: np.random.Generator, people: People) -> NetCast:
    """About 300 people (the most followed, every planted external account, a few employees)."""
    att = np.array(people.att)
    planted = [i for i in range(people.n) if people.planted[i] is not None
               and not people.is_employee(i)]
    external = [i for i in range(people.n) if not people.is_employee(i)]
    top = sorted(external, key=lambda i: -att[i])[:220]
    extra = list(rng.choice([i for i in external if i not in set(top)], 60, replace=False))
    staff = [i for i in range(people.n) if people.is_employee(i)][:12]
    cast = list(dict.fromkeys(planted + top + [int(i) for i in extra] + staff))
    handles: dict[str, dict[int, str]] = {net: {} for net in NET_PRESENCE}
    used: dict[str, set[str]] = {net: set() for net in NET_PRESENCE}
    for i in cast:
        f, la = people.first[i].lower(), people.last[i].lower()
        x = people.x_handle[i]
        for net, p in NET_PRESENCE.items():
            if i not in planted and rng.random() >= p:
                continue
            if net == "youtube":
                h = "UC" + token(rng, 22, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")
            elif net == "mastodon":
                h = pick_handle([f"{f}{la[0]}", f"{f}_{la}", f"{f}"], used[net], rng)
                host = MASTODON_HOSTS[int(rng.integers(0, len(MASTODON_HOSTS)))]
                h = f"{h}@{host}"
            elif net == "bluesky":
                base = (x or f"{f}{la}").replace("_", "-").lower()
                h = pick_handle([f"{base}.bsky.social",
                                 f"{f}-{la}.bsky.social"], used[net], rng)
            elif net == "reddit":
                h = pick_handle([f"{f}_{la}_{int(rng.integers(10, 99))}", f"{la}{f[0]}_data"],
                                used[net], rng)
            elif net == "blog":
                h = pick_handle([f"{f}{la}.blog.example", f"{f}-{la}.example"], used[net], rng)
            else:
                h = str(int(rng.integers(10**15, 10**16)))
            handles[net][i] = h
    weight = np.array([att[i] for i in cast])
    return NetCast(cast, weight / weight.sum(), handles)


def _did(rng: np.random.Generator) -> str:
    return "did:plc:" + token(rng, 24, "abcdefghijklmnopqrstuvwxyz234567")


def _pick(rng: np.random.Generator, cast: NetCast, net: str, n: int, exclude: int = -1) -> list[int]:
    """``n`` people on ``net``, by attention (with replacement), never ``exclude``."""
    on = [i for i in cast.people if i in cast.handles[net] and i != exclude]
    w = np.array([cast.weight[cast.people.index(i)] for i in on]) ** 0.7
    return [on[int(k)] for k in rng.choice(len(on), n, p=w / w.sum())]


def _topics_text(rng: np.random.Generator) -> list[str]:
    n = int(rng.choice(3, p=[0.2, 0.5, 0.3]))
    return [NETWORK_TOPICS[int(k)] for k in rng.choice(len(NETWORK_TOPICS), n, replace=False)]


NET_SENTENCES = (
    "Observe 3.0 finally shows lineage next to the alerts",
    "how does this compare with DataForge's monitors?",
    "we rolled it out on our dbt project last week",
    "the anomaly detection caught a broken upstream table for us",
    "pricing is still not clear to me",
    "great keynote, the OpenTelemetry part was the best",
    "any numbers on the overhead on Spark jobs?",
    "Quanta's answer to this is coming, I hear",
)


def _say(rng: np.random.Generator, tags: list[str]) -> str:
    text = NET_SENTENCES[int(rng.integers(0, len(NET_SENTENCES)))]
    return text + "".join(f" #{t}" for t in tags)


def youtube_responses(rng: np.random.Generator, people: People, cast: NetCast) -> list[dict]:
    """The company channel's launch videos and their comment threads (channels, videos, threads)."""
    yt = cast.handles["youtube"]
    channel = "UC" + token(rng, 22, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")
    videos = [("Lumina Observe 3.0 launch keynote", LAUNCH_MS),
              ("Lineage in five minutes", LAUNCH_MS + 86_400_000),
              ("OpenTelemetry traces meet data quality", LAUNCH_MS - 5 * 86_400_000)]
    out = [{"call": "channels.list", "params": {"part": "snippet,statistics", "id": channel},
            "body": {"kind": "youtube#channelListResponse", "items": [{
                "kind": "youtube#channel", "id": channel,
                "snippet": {"title": COMPANY, "customUrl": "@luminaanalytics",
                            "description": "Data observability for modern data teams.",
                            "publishedAt": "2019-03-04T10:00:00Z"},
                "statistics": {"subscriberCount": "48200", "videoCount": "212",
                               "hiddenSubscriberCount": False}}]}}]

    used: set[str] = set()
    # YouTube handles are the channel's own (unique on YouTube), not the X username.
    yt_handle = {i: pick_handle([f"{people.first[i]}{people.last[i]}",
                                 f"{people.first[i]}{people.last[i]}Data"], used, rng)
                 for i in sorted(yt)}

    def comment(cid: str, who: int, text: str, ms: int, parent: str | None, vid: str) -> dict:
        name = "@" + yt_handle[who]
        snip = {"authorDisplayName": name,
                "authorChannelUrl": f"http://www.youtube.com/channel/{yt[who]}",
                "authorChannelId": {"value": yt[who]}, "channelId": channel, "videoId": vid,
                "textDisplay": text, "textOriginal": text, "canRate": True,
                "viewerRating": "none", "likeCount": int(rng.integers(0, 40)),
                "publishedAt": iso_x(ms), "updatedAt": iso_x(ms)}
        if parent:
            snip["parentId"] = parent
        return {"kind": "youtube#comment", "etag": token(rng, 27), "id": cid, "snippet": snip}

    for v, (title, published) in enumerate(videos):
        vid = token(rng, 11, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")
        out.append({"call": "videos.list", "params": {"part": "snippet", "id": vid},
                    "body": {"kind": "youtube#videoListResponse", "items": [{
                        "kind": "youtube#video", "id": vid,
                        "snippet": {"publishedAt": iso_x(published), "channelId": channel,
                                    "title": title, "channelTitle": COMPANY}}]}})
        n_threads = (40, 18, 12)[v]
        authors = _pick(rng, cast, "youtube", n_threads)
        starts = np.sort(np.maximum(_net_ms(rng, n_threads), published + 60_000))[::-1]
        items, long_threads = [], []
        for t, (who, ms) in enumerate(zip(authors, starts, strict=True)):
            tid = "Ug" + token(rng, 24, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_")
            n_rep = int(min(12, rng.poisson(1.3) + (6 if t == 1 and v == 0 else 0)))
            names = [who]
            replies = []
            for k in range(n_rep):
                r = _pick(rng, cast, "youtube", 1, exclude=who)[0]
                at = names[int(rng.integers(0, len(names)))]
                prefix = f"@{yt_handle[at]} " if at != who and rng.random() < 0.7 else ""
                rms = int(ms) + (k + 1) * int(rng.integers(60_000, 6 * 3_600_000))
                replies.append(comment(f"{tid}.{token(rng, 22)}", r,
                                       prefix + _say(rng, _topics_text(rng)[:1]), min(rms, END_MS - 1),
                                       tid, vid))
                names.append(r)
            thread = {"kind": "youtube#commentThread", "etag": token(rng, 27), "id": tid,
                      "snippet": {"channelId": channel, "videoId": vid,
                                  "topLevelComment": comment(tid, who, _say(rng, _topics_text(rng)),
                                                             int(ms), None, vid),
                                  "canReply": True, "totalReplyCount": n_rep, "isPublic": True}}
            if replies:  # the API embeds the newest five, newest first
                thread["replies"] = {"comments": list(reversed(replies))[:5]}
            if n_rep > 5:
                long_threads.append((tid, replies))
            items.append(thread)
        for p in range(0, len(items), 20):
            body = {"kind": "youtube#commentThreadListResponse", "etag": token(rng, 27),
                    "pageInfo": {"totalResults": len(items[p:p + 20]), "resultsPerPage": 20},
                    "items": items[p:p + 20]}
            if p + 20 < len(items):
                body["nextPageToken"] = token(rng, 40)
            out.append({"call": "commentThreads.list",
                        "params": {"part": "snippet,replies", "videoId": vid, "maxResults": 100,
                                   "order": "time", "textFormat": "plainText"}, "body": body})
            for tid, replies in long_threads:
                if any(t["id"] == tid for t in items[p:p + 20]):
                    out.append({"call": "comments.list",
                                "params": {"part": "snippet", "parentId": tid, "maxResults": 100},
                                "body": {"kind": "youtube#commentListResponse",
                                         "etag": token(rng, 27),
                                         "pageInfo": {"resultsPerPage": len(replies)},
                                         "items": replies}})
    return out


def mastodon_responses(rng: np.random.Generator, people: People, cast: NetCast) -> list[dict]:
    """The #dataobservability timeline of one instance, and who boosted the launch toot."""
    md = cast.handles["mastodon"]
    ids: dict[int, str] = {i: str(int(rng.integers(10**17, 10**18))) for i in md}
    brand = "luminaanalytics@" + MASTODON_HOSTS[1]
    brand_id = str(int(rng.integers(10**17, 10**18)))

    def acct_obj(i: int | None) -> dict:
        if i is None:
            user, host, aid, name = "luminaanalytics", MASTODON_HOSTS[1], brand_id, COMPANY
        else:
            user, host = md[i].split("@")
            aid, name = ids[i], people.name(i)
        acct = user if host == MASTODON_HOME else f"{user}@{host}"
        return {"id": aid, "username": user, "acct": acct, "display_name": name,
                "locked": False, "bot": False, "group": False,
                "created_at": "2023-01-10T00:00:00.000Z", "note": "<p>data things</p>",
                "url": f"https://{host}/@{user}", "uri": f"https://{host}/users/{user}",
                "followers_count": int(rng.integers(5, 3000)), "following_count": int(rng.integers(5, 800)),
                "statuses_count": int(rng.integers(10, 5000)), "last_status_at": "2026-11-14",
                "emojis": [], "fields": []}

    def mention(i: int | None) -> dict:
        a = acct_obj(i)
        return {"id": a["id"], "username": a["username"], "url": a["url"], "acct": a["acct"]}

    statuses: list[dict] = []

    def status(author: int | None, ms: int, reply_to: dict | None = None, quote: dict | None = None,
               tags: list[str] | None = None, mentions: list[int | None] = ()) -> dict:
        a = acct_obj(author)
        host = a["url"].split("/")[2]
        sid = str((int(ms) << 16) + int(rng.integers(0, 65535)))
        tags = tags if tags is not None else ["dataobservability", *_topics_text(rng)[:1]]
        ments = [mention(m) for m in mentions]
        if reply_to is not None:
            ments.insert(0, {"id": reply_to["account"]["id"], "username": reply_to["account"]["username"],
                             "url": reply_to["account"]["url"], "acct": reply_to["account"]["acct"]})
        text = " ".join(f'<span class="h-card"><a href="{m["url"]}" class="u-url mention">@<span>'
                        f'{m["username"]}</span></a></span>' for m in ments)
        s = {"id": sid, "created_at": iso_x(ms).replace(".000Z", f".{int(rng.integers(0, 999)):03d}Z"),
             "in_reply_to_id": reply_to["id"] if reply_to else None,
             "in_reply_to_account_id": reply_to["account"]["id"] if reply_to else None,
             "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "en",
             "uri": f"https://{host}/users/{a['username']}/statuses/{sid}",
             "url": f"https://{host}/@{a['username']}/{sid}", "replies_count": 0,
             "reblogs_count": 0, "favourites_count": int(rng.integers(0, 30)), "quotes_count": 0,
             "edited_at": None, "content": f"<p>{text} {_say(rng, [])}"
             + "".join(f' <a href="https://{MASTODON_HOME}/tags/{t}" class="mention hashtag">#<span>{t}</span></a>'
                       for t in tags) + "</p>",
             "reblog": None, "account": a, "media_attachments": [], "mentions": ments,
             "tags": [{"name": t, "url": f"https://{MASTODON_HOME}/tags/{t}"} for t in tags],
             "emojis": [], "quote": ({"state": "accepted", "quoted_status": quote} if quote else None),
             "card": None, "poll": None}
        statuses.append(s)
        return s

    launch = status(None, LAUNCH_MS + 600_000, tags=["dataobservability", "luminaobserve", "launchweek"])
    n = 160
    authors = _pick(rng, cast, "mastodon", n)
    for who, ms in zip(authors, np.sort(_net_ms(rng, n)), strict=True):
        r = rng.random()
        earlier = [s for s in statuses if int(s["id"]) >> 16 < int(ms) and s["reblog"] is None]
        others = [m for m in _pick(rng, cast, "mastodon", 2, exclude=who)]
        if r < 0.35 and earlier:
            parent = earlier[int(rng.integers(0, len(earlier)))]
            status(who, int(ms), reply_to=parent, mentions=others[:int(rng.random() < 0.3)])
        elif r < 0.5 and earlier:
            original = earlier[int(rng.integers(0, len(earlier)))] if rng.random() < 0.6 else launch
            a = acct_obj(who)
            sid = str((int(ms) << 16) + int(rng.integers(0, 65535)))
            host = a["url"].split("/")[2]
            statuses.append({"id": sid, "created_at": iso_x(int(ms)), "in_reply_to_id": None,
                             "in_reply_to_account_id": None, "sensitive": False, "spoiler_text": "",
                             "visibility": "public", "language": None,
                             "uri": f"https://{host}/users/{a['username']}/statuses/{sid}/activity",
                             "url": None, "content": "", "reblog": original, "account": a,
                             "mentions": [], "tags": [], "emojis": [], "quote": None})
        elif r < 0.57 and earlier:
            quoted = earlier[int(rng.integers(0, len(earlier)))]
            if quoted.get("reblog") is None:
                status(who, int(ms), quote=quoted)
        else:
            status(who, int(ms), mentions=(others[:1] if rng.random() < 0.5 else []) + (
                [None] if rng.random() < 0.25 else []))
    newest_first = sorted(statuses, key=lambda s: -int(s["id"]))
    # A hashtag timeline holds no boosts; boosts come with their booster's own statuses.
    timeline = [s for s in newest_first if s["reblog"] is None]
    out = []
    for p in range(0, len(timeline), 40):
        out.append({"call": "timeline_hashtag", "instance": MASTODON_HOME,
                    "params": {"hashtag": "dataobservability"}, "body": timeline[p:p + 40]})
    by_booster: dict[str, list[dict]] = {}
    for s in newest_first:
        if s["reblog"] is not None:
            by_booster.setdefault(s["account"]["id"], []).append(s)
    for aid, boosts in by_booster.items():
        out.append({"call": "account_statuses", "instance": MASTODON_HOME,
                    "params": {"id": aid}, "body": boosts})
    boosters = [acct_obj(i) for i in _pick(rng, cast, "mastodon", 12)]
    boosters = list({b["acct"]: b for b in boosters}.values())
    out.append({"call": "status_reblogged_by", "instance": MASTODON_HOME,
                "params": {"id": launch["id"]},
                "of": {"id": launch["id"], "uri": launch["uri"],
                       "account": f"mastodon:{brand}", "created_at": launch["created_at"]},
                "body": boosters})
    return out


def bluesky_responses(rng: np.random.Generator, people: People, cast: NetCast) -> list[dict]:
    """A search for the product, the launch post's thread, likes, reposts and quotes."""
    bs = cast.handles["bluesky"]
    dids = {i: _did(rng) for i in bs}
    brand_did = _did(rng)

    def author(i: int | None) -> dict:
        if i is None:
            return {"did": brand_did, "handle": "lumina-analytics.example", "displayName": COMPANY,
                    "createdAt": "2023-05-02T09:00:00.000Z"}
        return {"did": dids[i], "handle": bs[i], "displayName": people.name(i),
                "createdAt": "2023-08-01T12:00:00.000Z"}

    posts: list[dict] = []

    def post(i: int | None, ms: int, parent: dict | None = None, quote: dict | None = None,
             mentions: Sequence[int | None] = ()) -> dict:
        a = author(i)
        rkey = token(rng, 13, "234567abcdefghijklmnopqrstuvwxyz")
        tags = ["luminaobserve", *_topics_text(rng)[:1]]
        body = _say(rng, [])
        text = body
        facets = []
        for m in mentions:
            h = "@" + author(m)["handle"]
            start = len(text.encode("utf-8")) + 1
            text += " " + h
            facets.append({"features": [{"$type": "app.bsky.richtext.facet#mention",
                                         "did": author(m)["did"]}],
                           "index": {"byteStart": start, "byteEnd": start + len(h.encode("utf-8"))}})
        for t in tags:
            start = len(text.encode("utf-8")) + 1
            text += f" #{t}"
            facets.append({"features": [{"$type": "app.bsky.richtext.facet#tag", "tag": t}],
                           "index": {"byteStart": start, "byteEnd": start + len(t) + 1}})
        created = iso_x(ms).replace(".000Z", f".{int(rng.integers(0, 999999)):06d}Z")
        record = {"$type": "app.bsky.feed.post", "createdAt": created, "langs": ["en"],
                  "text": text, "facets": facets}
        if parent is not None:
            root = (parent["record"].get("reply") or {}).get("root") or {"uri": parent["uri"],
                                                                          "cid": parent["cid"]}
            record["reply"] = {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}}
        if quote is not None:
            record["embed"] = {"$type": "app.bsky.embed.record",
                               "record": {"uri": quote["uri"], "cid": quote["cid"]}}
        p = {"uri": f"at://{a['did']}/app.bsky.feed.post/{rkey}",
             "cid": "bafyrei" + token(rng, 52, "abcdefghijklmnopqrstuvwxyz234567"),
             "author": a, "record": record, "replyCount": 0, "repostCount": 0, "likeCount": 0,
             "quoteCount": 0, "indexedAt": iso_x(ms + 700), "labels": []}
        posts.append(p)
        return p

    launch = post(None, LAUNCH_MS + 300_000)
    n = 150
    for who, ms in zip(_pick(rng, cast, "bluesky", n), np.sort(_net_ms(rng, n)), strict=True):
        earlier = [p for p in posts if p["indexedAt"] < iso_x(int(ms))]
        r = rng.random()
        if r < 0.4 and earlier:
            post(who, int(ms), parent=earlier[int(rng.integers(0, len(earlier)))])
        elif r < 0.5:
            post(who, int(ms), quote=launch if rng.random() < 0.6 or not earlier
                 else earlier[int(rng.integers(0, len(earlier)))])
        else:
            post(who, int(ms), mentions=_pick(rng, cast, "bluesky", int(rng.integers(0, 3)),
                                              exclude=who) + ([None] if rng.random() < 0.3 else []))
    newest_first = sorted(posts, key=lambda p: p["indexedAt"], reverse=True)
    out = []
    for p in range(0, len(newest_first), 100):
        body = {"posts": newest_first[p:p + 100]}
        if p + 100 < len(newest_first):
            body["cursor"] = str(p + 100)
        out.append({"call": "app.bsky.feed.searchPosts",
                    "params": {"q": "lumina", "limit": 100, "sort": "latest"}, "body": body})
    likers = list(dict.fromkeys(_pick(rng, cast, "bluesky", 40)))
    out.append({"call": "app.bsky.feed.getLikes", "params": {"uri": launch["uri"], "limit": 100},
                "body": {"uri": launch["uri"], "likes": [
                    {"actor": author(i), "createdAt": iso_x(LAUNCH_MS + int(rng.integers(1, 4 * 86_400)) * 1000),
                     "indexedAt": iso_x(LAUNCH_MS + 5 * 86_400_000)} for i in likers]}})
    reposters = list(dict.fromkeys(_pick(rng, cast, "bluesky", 15)))
    out.append({"call": "app.bsky.feed.getRepostedBy", "params": {"uri": launch["uri"], "limit": 100},
                "of": {"uri": launch["uri"], "created_at": launch["record"]["createdAt"]},
                "body": {"uri": launch["uri"], "repostedBy": [author(i) for i in reposters]}})
    return out


def network_edge_rows(rng: np.random.Generator, people: People, cast: NetCast) -> list[dict]:
    """Reddit, blogs and Facebook as edge-list rows (their identity rules, kinds and topics)."""
    rows: list[dict] = []

    def row(src: str, dst: str, kind: str, ms: int, platform: str, post_id: str, topics: list[str],
            text: str = "") -> None:
        if src != dst:
            rows.append({"source": src, "target": dst, "kind": kind, "timestamp": iso_csv(ms),
                         "platform": platform, "post_id": post_id, "text": text,
                         "topics": ";".join(topics), "weight": "1", "_ms": ms})

    # Reddit: a launch thread in r/dataengineering; replies go to the parent's author.
    rd = cast.handles["reddit"]
    op = _pick(rng, cast, "reddit", 1)[0]
    submission = "t3_" + base36(int(rng.integers(36**5, 36**6))).lower()
    comments: list[tuple[str, int, int]] = [(submission, op, LAUNCH_MS + 3_600_000)]
    for who, ms in zip(_pick(rng, cast, "reddit", 140), np.sort(_net_ms(rng, 140)), strict=True):
        ms = max(int(ms), LAUNCH_MS + 3_700_000)
        pid, parent, _ = comments[0] if rng.random() < 0.4 else comments[int(rng.integers(0, len(comments)))]
        cid = "t1_" + base36(int(rng.integers(36**6, 36**7))).lower()
        row(rd[who], rd[parent], "reply", ms, "reddit", cid, ["dataengineering"], _say(rng, []))
        comments.append((cid, who, ms))
    # Blogs: posts link to other blogs and to the company's; commenters → the post's blog.
    bl = cast.handles["blog"]
    company_blogs = ("blog.lumina-analytics.example", "dataforge.example", "quantasoft.example")
    for b, who in enumerate(_pick(rng, cast, "blog", 45)):
        ms = int(_net_ms(rng, 1)[0])
        post = f"https://{bl[who]}/2026/{b:03d}-observability"
        cats = _topics_text(rng) or ["dataobservability"]
        targets = [company_blogs[int(rng.choice(3, p=[0.6, 0.25, 0.15]))]]
        targets += [bl[i] for i in _pick(rng, cast, "blog", int(rng.integers(0, 3)), exclude=who)]
        for t in dict.fromkeys(targets):
            row(bl[who], t, "link", ms, "blog", post, cats)
        for c in range(int(rng.poisson(1.2))):
            commenter = _pick(rng, cast, "blog", 1, exclude=who)[0]
            row(bl[commenter], bl[who], "comment", ms + (c + 1) * 3_600_000, "blog",
                f"{post}#comment-{c + 1}", cats, _say(rng, []))
    # Facebook: comments on the company Page's launch posts, and replies to comments.
    fb = cast.handles["facebook"]
    page = "104729384756201"
    for p in range(3):
        post_id = f"{page}_{int(rng.integers(10**14, 10**15))}"
        base = LAUNCH_MS + p * 2 * 86_400_000
        earlier: list[tuple[str, int]] = []
        for who in _pick(rng, cast, "facebook", 25):
            ms = base + int(rng.integers(60, 3 * 86_400)) * 1000
            cid = f"{post_id.split('_')[1]}_{int(rng.integers(10**14, 10**15))}"
            if earlier and rng.random() < 0.35:
                _, parent = earlier[int(rng.integers(0, len(earlier)))]
                row(fb[who], fb[parent], "reply", ms, "facebook", cid, ["luminaobserve"], _say(rng, []))
            else:
                row(fb[who], page, "comment", ms, "facebook", cid, ["luminaobserve"], _say(rng, []))
            earlier.append((cid, who))
    rows.sort(key=lambda r: (r["_ms"], r["platform"], r["post_id"], r["target"]))
    return rows


def network_account_rows(people: People, cast: NetCast) -> list[dict]:
    """Profiles of the edge-list networks (names; Facebook ids say nothing by themselves)."""
    rows = [{"platform": "facebook", "handle": "104729384756201", "name": f"{COMPANY} (Page)",
             "url": "https://www.facebook.com/luminaanalytics"},
            {"platform": "blog", "handle": "blog.lumina-analytics.example",
             "name": f"{COMPANY} blog", "url": "https://blog.lumina-analytics.example/"}]
    for net in ("reddit", "blog", "facebook"):
        for i, h in cast.handles[net].items():
            rows.append({"platform": net, "handle": h, "name": people.name(i) if net != "reddit" else "",
                         "url": f"https://{h}/" if net == "blog" else ""})
    return rows


def network_files(rng: np.random.Generator, people: People) -> tuple[bytes, bytes, bytes, dict]:
    """``networks_raw.jsonl.gz``, ``networks_edges.csv.gz``, ``networks_accounts.csv`` and counts."""
    cast = network_cast(rng, people)
    lines = []
    sources = {"youtube": "youtube:channel:@luminaanalytics",
               "mastodon": f"mastodon:tag:dataobservability@{MASTODON_HOME}",
               "bluesky": "bluesky:search:lumina"}
    counts: dict[str, int] = {}
    for platform, responses in (("youtube", youtube_responses(rng, people, cast)),
                                ("mastodon", mastodon_responses(rng, people, cast)),
                                ("bluesky", bluesky_responses(rng, people, cast))):
        counts[f"{platform}_responses"] = len(responses)
        for r in responses:
            meta = {"platform": platform, "source": sources[platform], "url": None,
                    "retrieved_at": RETRIEVED_AT.isoformat(timespec="seconds")}
            meta.update({k: v for k, v in r.items() if k != "body"})
            lines.append(json.dumps({"__scout": meta, "response": r["body"]}, ensure_ascii=False,
                                    separators=(",", ":")))
    edges = network_edge_rows(rng, people, cast)
    accounts = network_account_rows(people, cast)
    counts.update({f"{p}_edges": sum(1 for e in edges if e["platform"] == p)
                   for p in ("reddit", "blog", "facebook")})
    counts["people_on_other_networks"] = len(cast.people)
    raw = gzip_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return (raw, gzip_bytes(csv_bytes(edges, EDGE_COLUMNS)),
            csv_bytes(accounts, ("platform", "handle", "name", "url")), counts)


def generate(out: Path, seed: int = DEFAULT_SEED) -> dict:
    """Generate every sample file into ``out`` and return the counts."""
    # Streams 10 and 11 (company channels) and 12 (other networks) were added later:
    # spawning more children leaves the first ten, and so every older file, unchanged.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(13)]
    people = build_people(streams[0])
    xa = build_x_accounts(streams[1], people)
    orig = simulate_originals(streams[2], xa)
    eng = simulate_engagements(streams[3], xa, orig)
    bots = simulate_bots(streams[4], xa, orig)
    tw = assemble_tweets(streams[5], xa, orig, eng, bots)
    pages = build_pages(streams[6], xa, tw)

    names = ("community", "linkedin", "slack")
    platforms = {name: platform_members(streams[7], people, name) for name in names}
    edges = other_platform_edges(streams[8], platforms, people)
    posts_by = Counter((r["platform"], r["source"]) for r in edges)
    seen_other = set(posts_by) | {(r["platform"], r["target"]) for r in edges}
    accounts = accounts_table(streams[9], list(platforms.values()), people, dict(posts_by))
    accounts = [a for a in accounts if (a["platform"], a["handle"]) in seen_other]
    roster = roster_table(people, platforms, xa)
    seen_x = x_accounts_seen(tw, xa)
    seen_li = {h for (p, h) in seen_other if p == "linkedin"}
    crm = crm_table(streams[9], people, xa, platforms["linkedin"], seen_x, seen_li)

    employees = sum(1 for i in range(people.n) if people.is_employee(i))
    tables = {"roster_rows": len(roster), "crm_rows": len(crm)}
    counts = summarise(tw, xa, len(pages), edges, accounts, seen_x, tables, employees)
    net_raw, net_edges, net_accounts, counts["other_networks"] = network_files(streams[12], people)
    truth = ground_truth(people, xa, platforms, seed, counts)
    files = {
        "x_pages.jsonl.gz": gzip_bytes(("\n".join(pages) + "\n").encode("utf-8")),
        "community_edges.csv.gz": gzip_bytes(csv_bytes(edges, EDGE_COLUMNS)),
        "accounts.csv": csv_bytes(accounts, ACCOUNT_COLUMNS),
        "roster.csv": csv_bytes(roster, ROSTER_COLUMNS),
        "crm.csv": csv_bytes(crm, CRM_COLUMNS),
        "slack_export.zip": slack_export(streams[10], platforms["slack"], people),
        "mail.mbox.gz": mail_archive(streams[11], people, crm),
        "networks_raw.jsonl.gz": net_raw,
        "networks_edges.csv.gz": net_edges,
        "networks_accounts.csv": net_accounts,
        "ground_truth.json": (json.dumps(truth, indent=2, ensure_ascii=False) + "\n").encode(),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, payload in files.items():
        (out / name).write_bytes(payload)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python scripts/make_sample_data.py [--out DIR] [--seed N]``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: data/)")
    ap.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    counts = generate(args.out, args.seed)
    print(json.dumps(counts, indent=2))
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
