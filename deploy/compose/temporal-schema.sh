#!/bin/sh
# One-shot job (temporalio/admin-tools): creates or upgrades the Temporal schemas in PostgreSQL.
# Idempotent: `create` may find the database already there, the schema steps only apply what is missing.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
port="${DB_PORT:-5432}"
schema_dir=/etc/temporal/schema/postgresql/v12

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
