#!/bin/sh
# One-shot job (temporalio/admin-tools, `temporal` CLI): waits for the server, creates the namespace and
# registers the workflow's search attributes as Keyword. Idempotent: what exists is left alone.
# Reads TEMPORAL_ADDRESS (the CLI's own variable), TEMPORAL_NAMESPACE, TEMPORAL_NAMESPACE_RETENTION.
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
attributes="CppPublisherId CppOfferId CppCancelPhase IngestionJobId"

# Runs a command until it succeeds, up to 60 tries 2 s apart (a new namespace takes a few seconds to be usable).
retry() {
  tries=0
  until "$@"; do
    tries=$((tries + 1))
    [ "$tries" -lt 60 ] || { echo "gave up: $*"; return 1; }
    sleep 2
  done
}

has_namespace() { temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1; }
ensure_namespace() {
  has_namespace || temporal operator namespace create --namespace "$ns" --retention "${TEMPORAL_NAMESPACE_RETENTION:-72h}" || has_namespace
}
has_attribute() { temporal operator search-attribute list --namespace "$ns" 2>/dev/null | grep -qw "$1"; }
ensure_attribute() {
  has_attribute "$1" || temporal operator search-attribute create --namespace "$ns" --name "$1" --type Keyword || has_attribute "$1"
}

echo "waiting for Temporal at ${TEMPORAL_ADDRESS:-localhost:7233}…"
retry temporal operator cluster health >/dev/null 2>&1
retry ensure_namespace
for name in $attributes; do retry ensure_attribute "$name"; done
echo "namespace $ns has the search attributes:"
temporal operator search-attribute list --namespace "$ns" | grep -E "$(echo "$attributes" | tr ' ' '|')"
