#!/bin/sh
# One-shot job: creates or upgrades the Temporal schemas in PostgreSQL. Idempotent: `create` may find
# the database already there, the schema steps only apply what is missing.
# Run by docker-compose.yml (temporalio/admin-tools, which has temporal-sql-tool on PATH and the schemas
# in /etc/temporal/schema) and by `npm run test:cluster` (scripts/cluster/), which puts its own
# temporal-sql-tool build first on PATH and sets TEMPORAL_SCHEMA_DIR to the schemas of the same module.
# Reads POSTGRES_SEEDS, DB_PORT (5432), POSTGRES_USER, SQL_PASSWORD (temporal-sql-tool reads it itself).
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
port="${DB_PORT:-5432}"
schema_dir="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${port}…"
tries=0
until nc -z -w 5 "$POSTGRES_SEEDS" "$port"; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo "PostgreSQL did not answer"; exit 1; }
  sleep 2
done

for db in temporal temporal_visibility; do
  dir="$schema_dir/temporal/versioned"
  [ "$db" = temporal_visibility ] && dir="$schema_dir/visibility/versioned"
  sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" --db "$db" "$@"; }
  sql create || echo "database $db exists"
  # setup-schema -v 0.0 refuses a database that has the schema table already: then only update.
  sql setup-schema -v 0.0 || echo "schema of $db exists"
  sql update-schema -d "$dir"
done
echo "Temporal schemas are up to date"
