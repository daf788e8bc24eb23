#!/usr/bin/env bash
# Checks docker-compose.yml without a Docker engine (none runs on CI's machine): Debian's
# docker-compose (1.29, Python) parses it, interpolates it and validates it against its Compose-spec
# JSON schema (`config -q`), with and without the `simulator` profile, from the committed examples
# .env.example and worker.env.example. Nothing is built, pulled or started.
#
#   bash scripts/check-compose.sh          (installs docker-compose with apt-get when missing and root)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "check-compose: docker-compose missing: apt-get install -y -qq docker-compose"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
  else
    echo "check-compose: docker-compose is not installed (apt-get install docker-compose)" >&2
    exit 1
  fi
fi
echo "check-compose: $(docker-compose version --short 2>/dev/null || docker-compose --version)"

# A scratch copy, so the developer's own .env and worker.env are neither read nor touched.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp docker-compose.yml Dockerfile .dockerignore "$work/"
cp -r deploy "$work/"
cp .env.example "$work/.env"
cp worker.env.example "$work/worker.env"

compose() { docker-compose --project-directory "$work" -f "$work/docker-compose.yml" "$@"; }

compose config -q
echo "check-compose: docker-compose.yml is valid"
compose --profile simulator config -q
echo "check-compose: docker-compose.yml with --profile simulator is valid"

# What the schema cannot say: the services and their order of start, the profile, no literal secrets.
# (Debian's python3, which docker-compose itself runs on, has PyYAML.)
compose --profile simulator config > "$work/rendered.yml"
/usr/bin/python3 - "$work/rendered.yml" docker-compose.yml <<'PY'
import re, sys, yaml
rendered = yaml.safe_load(open(sys.argv[1]))["services"]
raw = yaml.safe_load(open(sys.argv[2]))["services"]
problems = []
expected = {"postgresql", "temporal-schema", "temporal", "temporal-register", "temporal-ui", "worker", "simulator", "prometheus"}
if set(rendered) != expected:
    problems.append(f"services {sorted(rendered)} != {sorted(expected)}")
def condition(service, dep):
    return (rendered.get(service, {}).get("depends_on") or {}).get(dep, {}).get("condition")
# temporal has no healthcheck (its image has no client): temporal-register waits for
# `temporal operator cluster health`, and the UI and the worker wait for temporal-register.
for service, dep, cond in [
    ("temporal-schema", "postgresql", "service_healthy"),
    ("temporal", "temporal-schema", "service_completed_successfully"),
    ("temporal-register", "temporal", "service_started"),
    ("temporal-ui", "temporal-register", "service_completed_successfully"),
    ("worker", "temporal-register", "service_completed_successfully"),
]:
    if condition(service, dep) != cond:
        problems.append(f"{service} must depend on {dep} with condition {cond}, has {condition(service, dep)}")
for name in ("postgresql", "worker", "simulator", "prometheus"):
    if "healthcheck" not in rendered.get(name, {}):
        problems.append(f"{name} has no healthcheck")
if raw["simulator"].get("profiles") != ["simulator"]:
    problems.append("simulator must be under the profile 'simulator' only")
if any(raw[s].get("profiles") for s in raw if s != "simulator"):
    problems.append("only the simulator may have a profile")
if rendered["worker"].get("environment", {}).get("TEMPORAL_ADDRESS") != "temporal:7233":
    problems.append("worker TEMPORAL_ADDRESS must be temporal:7233")
secret = re.compile(r"TOKEN|SECRET|PASSWORD|PWD|API_KEY")
for service, spec in raw.items():
    env = spec.get("environment") or {}
    for key, value in (env.items() if isinstance(env, dict) else [tuple((e.split("=", 1) + [""])[:2]) for e in env]):
        if secret.search(key) and value not in (None, "") and not str(value).startswith("${"):
            problems.append(f"{service}: {key} has a literal value; take it from .env or worker.env")
# The server runs from the files `npm run test:cluster` runs it from (deploy/temporal), by the same variable.
temporal = rendered.get("temporal", {})
temporal_env = temporal.get("environment", {})
if temporal_env.get("TEMPORAL_SERVER_CONFIG_FILE_PATH") != "/etc/temporal/deploy/config/temporal.yaml":
    problems.append("temporal: TEMPORAL_SERVER_CONFIG_FILE_PATH must be /etc/temporal/deploy/config/temporal.yaml (deploy/temporal/config/temporal.yaml)")
if temporal_env.get("DYNAMIC_CONFIG_FILE_PATH") != "/etc/temporal/deploy/dynamicconfig/production.yaml":
    problems.append("temporal: DYNAMIC_CONFIG_FILE_PATH must be /etc/temporal/deploy/dynamicconfig/production.yaml")
mounts = [str(v.get("target") if isinstance(v, dict) else v.split(":")[1]) for v in temporal.get("volumes", [])]
if "/etc/temporal/deploy" not in mounts:
    problems.append("temporal must mount ./deploy/temporal at /etc/temporal/deploy")
# Prometheus loads the rules and the scrape config the tests check (deploy/prometheus).
prom_mounts = [str(v.get("source") if isinstance(v, dict) else v.split(":")[0]) for v in rendered.get("prometheus", {}).get("volumes", [])]
if not any(m.rstrip("/").endswith("deploy/prometheus") for m in prom_mounts):
    problems.append("prometheus must mount ./deploy/prometheus")
# Image tags: the defaults in docker-compose.yml and .env.example are the versions the cluster test ran
# (deploy/versions.env), and the Dockerfile builds on Node 24.
versions = dict(re.findall(r"^([A-Z_]+)=(\S+)", open("deploy/versions.env").read(), re.M))
raw_text = open(sys.argv[2]).read()
for var in ("TEMPORAL_VERSION", "TEMPORAL_ADMINTOOLS_VERSION", "TEMPORAL_UI_VERSION", "POSTGRESQL_VERSION", "PROMETHEUS_VERSION"):
    defaults = set(re.findall(r"\$\{" + var + r":-([^}]+)\}", raw_text))
    if defaults != {versions[var]}:
        problems.append(f"docker-compose.yml: the default of {var} is {sorted(defaults)}, deploy/versions.env says {versions[var]}")
    documented = re.findall(r"^# " + var + r"=(\S+)", open(".env.example").read(), re.M)
    if documented != [versions[var]]:
        problems.append(f".env.example documents {var}={documented}, deploy/versions.env says {versions[var]}")
for service, image in (("temporal", "temporalio/server:" + versions["TEMPORAL_VERSION"]), ("temporal-schema", "temporalio/admin-tools:" + versions["TEMPORAL_ADMINTOOLS_VERSION"]),
                       ("temporal-register", "temporalio/admin-tools:" + versions["TEMPORAL_ADMINTOOLS_VERSION"]), ("temporal-ui", "temporalio/ui:" + versions["TEMPORAL_UI_VERSION"]),
                       ("postgresql", "postgres:" + versions["POSTGRESQL_VERSION"]), ("prometheus", "prom/prometheus:v" + versions["PROMETHEUS_VERSION"])):
    if rendered.get(service, {}).get("image") != image:
        problems.append(f"{service}: image {rendered.get(service, {}).get('image')} rendered from .env.example, expected {image}")
cli = re.search(r"TEMPORAL_CLI_VERSION = '([^']+)'", open("temporal-cli/resolve.ts").read())
if not cli or cli.group(1) != versions["TEMPORAL_CLI_VERSION"]:
    problems.append(f"deploy/versions.env TEMPORAL_CLI_VERSION={versions['TEMPORAL_CLI_VERSION']} differs from temporal-cli/resolve.ts ({cli and cli.group(1)})")
if not re.search(r"^ARG NODE_VERSION=24$", open("Dockerfile").read(), re.M):
    problems.append("Dockerfile: ARG NODE_VERSION must be 24 (the Node line the suite also runs on, .ci/run)")
if problems:
    print("check-compose: " + "\n  ".join(["problems:"] + problems), file=sys.stderr)
    sys.exit(1)
print(f"check-compose: services {sorted(rendered)}; start order, healthchecks, profile, secrets, server config and image versions as expected")
PY

# Without POSTGRES_PASSWORD the file must refuse to render rather than fall back to a default secret.
: > "$work/.env"
if compose config -q 2>/dev/null; then
  echo "check-compose: an empty .env was accepted: POSTGRES_PASSWORD must be required" >&2
  exit 1
fi
echo "check-compose: POSTGRES_PASSWORD is required (an empty .env is refused)"
