#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL when a server is reachable.
# In CI (CI=true) PostgreSQL is required: an unreachable server fails the run loudly.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
WORKERS=${TEST_WORKERS:-auto}
PG_URL=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
PYTEST=(.venv/bin/pytest -n "$WORKERS" --dist loadfile "$@")

if [ ! -x /usr/bin/chromium ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "ERROR: /usr/bin/chromium is missing; CI must run the browser tests (.ci/run installs it)." >&2
    exit 1
  fi
  echo "NOTE: browser (E2E and accessibility) tests will be skipped: Debian's Chromium is missing."
  echo "      Install it with: apt-get install chromium chromium-driver fonts-noto-cjk"
fi

echo "== Test suite on SQLite"
env -u DATABASE_URL "${PYTEST[@]}"
sqlite_rc=$?
[ $sqlite_rc -eq 0 ] || { echo "FAILED on SQLite (exit $sqlite_rc)"; exit $sqlite_rc; }

if "$PY" - "$PG_URL" <<'PYEOF' 2>/dev/null
import sys, psycopg
from urllib.parse import urlparse
u = urlparse(sys.argv[1])
psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username or None, dbname=u.path.lstrip("/"),
                password=u.password or None, connect_timeout=3).close()
PYEOF
then
  echo "== Test suite on PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" "${PYTEST[@]}"
  pg_rc=$?
  [ $pg_rc -eq 0 ] || { echo "FAILED on PostgreSQL (exit $pg_rc)"; exit $pg_rc; }
else
  if [ "${CI:-}" = "true" ]; then
    echo "ERROR: PostgreSQL is not reachable at $PG_URL, and CI must run the suite on it." >&2
    echo "       Start it with: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start" >&2
    exit 1
  fi
  echo "NOTE: PostgreSQL skipped: no server reachable at $PG_URL (set TEST_POSTGRES_URL to point at one)."
fi
