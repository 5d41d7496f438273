#!/usr/bin/env bash
# Time `aftersales seed --size large` (about 1,000,000 tickets and 10,000,000 events) on a scratch
# database: SQLite by default, or the database named by DATABASE_URL (which is reset first).
#
#   bench/seed_large.sh                     # SQLite in /tmp/seed_large.sqlite3
#   DATABASE_URL=postgres://…/scratch bench/seed_large.sh
#
# The target on a 2-core machine is under 15 minutes for either database.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUG=true
if [[ -z "${DATABASE_URL:-}" ]]; then
    db=/tmp/seed_large.sqlite3
    rm -f "$db" "$db-wal" "$db-shm"
    export DATABASE_URL="sqlite:///$db"
fi

python=.venv/bin/python
$python manage.py migrate --skip-checks -v0
start=$(date +%s)
$python manage.py seed --size large --seed "${SEED:-1}" --today "${TODAY:-2026-11-30}" --reset
end=$(date +%s)
echo "seed --size large: $((end - start)) s on $(nproc) cores ($DATABASE_URL)"
