"""Scout's ingest library: from the X API, archives and CSV files to the store.

The ``scout ingest`` commands (:mod:`ui.cli_ingest`) are a thin layer over it:

* :mod:`ingest.sources` — open files (plain, gzip, stdin) with clean errors;
* :mod:`ingest.x_parse` — X records (API v2 pages and tweets, twarc2 flattened
  tweets, v1.1 tweets) → accounts and interactions, by small named edge rules;
* :mod:`ingest.jsonl` — X archives line by line;
* :mod:`ingest.x_api` — fetching with tweepy (rate limits, retries, raw archive);
* :mod:`ingest.csv_edges`, :mod:`ingest.people` — edge lists, profiles, roster, CRM;
* :mod:`ingest.pipeline` — batches, bad-input reports, run records.

Nothing here imports ranking code or streamlit.
"""
