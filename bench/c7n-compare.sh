#!/usr/bin/env bash
# Cloud Custodian (c7n) on the retention benchmark's EC2 state, for comparison with the
# maintenance scanner's image inventory (bench/retention.bench.ts runs it after its own scan;
# npm run bench:retention gives both side by side, C7N=0 skips this).
#
#   AWS_ENDPOINT_URL=http://127.0.0.1:<fidelity proxy port> bash bench/c7n-compare.sh
#
# c7n comes from PyPI into a throwaway virtualenv under /var/tmp (C7N_VENV, reused while its
# c7n is the one asked for; C7N_VERSION pins one), never into the project. The policy is the
# "older than N days" AMI policy (resource: ami, filter image-age, days C7N_DAYS, default 180),
# run with --dryrun (no action runs) and --cache-period 0 (c7n asks EC2 every time) over
# C7N_REGIONS (default the benchmark's four). Before the run the proxy's counters are reset
# (POST /_fidelity/counters/reset); with MOTO_URL set, the benchmark moto's describe cache is
# cleared first unless C7N_KEEP_CACHE=1 (bench/retention-seed.py). The last line on stdout is
# one JSON object: {tool, version, seconds, regions, matched: {region: n}, counters, uncounted}.
# Point it only at a proxy of your own (the benchmark's): it resets that proxy's counters.
set -euo pipefail

: "${AWS_ENDPOINT_URL:?set AWS_ENDPOINT_URL to the fidelity proxy, e.g. http://127.0.0.1:4576}"
C7N_VENV=${C7N_VENV:-/var/tmp/ami-factory-c7n-venv}
C7N_DAYS=${C7N_DAYS:-180}
C7N_REGIONS=${C7N_REGIONS:-us-east-1,us-west-2,eu-west-1,eu-central-1}
PYTHON=${PYTHON:-python3}
log() { printf '[c7n-compare] %s\n' "$*" >&2; }

case $AWS_ENDPOINT_URL in
  http://127.* | http://localhost[:/]* | http://localhost) ;;
  *) log "refusing $AWS_ENDPOINT_URL: c7n must talk to the local emulator, not AWS"; exit 2 ;;
esac

want=${C7N_VERSION:+==$C7N_VERSION}
have_version() { "$C7N_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("c7n"))' 2>/dev/null; }
if [[ ! -x $C7N_VENV/bin/custodian ]] || { [[ -n ${C7N_VERSION:-} ]] && [[ $(have_version) != "$C7N_VERSION" ]]; }; then
  log "creating $C7N_VENV (pip install c7n$want from PyPI)"
  rm -rf "$C7N_VENV"
  "$PYTHON" -m venv "$C7N_VENV"
  "$C7N_VENV/bin/pip" install -q --disable-pip-version-check "c7n$want" >&2
fi
version=$(have_version)

work=$(mktemp -d /var/tmp/ami-factory-c7n.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/policy.yml" <<EOF
policies:
  - name: ami-older-than-${C7N_DAYS%.*}-days
    resource: ami
    filters:
      - type: image-age
        days: $C7N_DAYS
EOF
region_args=()
IFS=, read -r -a regions <<<"$C7N_REGIONS"
for r in "${regions[@]}"; do region_args+=(-r "$r"); done

curl -fsS -X POST "$AWS_ENDPOINT_URL/_fidelity/counters/reset" >/dev/null
if [[ -n ${MOTO_URL:-} && ${C7N_KEEP_CACHE:-0} != 1 ]]; then
  curl -fsS -X DELETE "$MOTO_URL/_bench/cache" >/dev/null 2>&1 || true
fi

log "custodian $version: resource ami, image-age > $C7N_DAYS days, --dryrun, regions $C7N_REGIONS"
started=$(date +%s.%N)
rc=0
env -u AWS_PROFILE -u AWS_SESSION_TOKEN -u AWS_SECURITY_TOKEN \
  AWS_ENDPOINT_URL="$AWS_ENDPOINT_URL" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  AWS_DEFAULT_REGION="${regions[0]}" AWS_REGION="${regions[0]}" \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
  "$C7N_VENV/bin/custodian" run --dryrun --cache-period 0 -s "$work/out" "${region_args[@]}" \
  "$work/policy.yml" >"$work/custodian.log" 2>&1 || rc=$?
ended=$(date +%s.%N)
sed 's/^/[custodian] /' "$work/custodian.log" >&2
if ((rc != 0)); then log "custodian exited $rc"; exit "$rc"; fi

curl -fsS "$AWS_ENDPOINT_URL/_fidelity/counters" >"$work/counters.json"
"$C7N_VENV/bin/python" - "$work" "$version" "$started" "$ended" "$C7N_REGIONS" "$C7N_DAYS" <<'EOF'
import glob, json, os, sys
work, version, started, ended, regions, days = sys.argv[1:]
matched = {}
# one region: out/<policy>/resources.json; several: out/<region>/<policy>/resources.json
for path in glob.glob(os.path.join(work, "out", "**", "resources.json"), recursive=True):
    parts = os.path.relpath(path, os.path.join(work, "out")).split(os.sep)
    region = parts[0] if len(parts) == 3 else regions.split(",")[0]
    with open(path) as f:
        matched[region] = len(json.load(f))
with open(os.path.join(work, "counters.json")) as f:
    counters = json.load(f)
print(json.dumps({
    "tool": "c7n",
    "version": version,
    "policy": {"resource": "ami", "filters": [{"type": "image-age", "days": float(days)}], "dryrun": True},
    "regions": regions.split(","),
    "seconds": round(float(ended) - float(started), 2),
    "matched": matched,
    "counters": counters,
    # the proxy counts EC2 and SSM calls; STS passes through to moto uncounted
    "uncounted": ["sts:GetCallerIdentity (c7n asks for the account id once per run)"],
}))
EOF
