"""The application's jobs and their rules, below the CLI and the app.

``ui/`` composes; what ``scout refresh``, ``scout schedule`` and the app's
refresh status run lives here: the ``scout.toml`` configuration
(:mod:`ingest.ops.config`), the refresh lock (:mod:`ingest.ops.lock`), the
unattended refresh (:mod:`ingest.ops.refresh`), its cron schedule
(:mod:`ingest.ops.schedule`) and the app's login throttle
(:mod:`ingest.ops.throttle`).
"""
