#!/usr/bin/env bash
# Validates the deployment assets without Docker or a cluster:
#   - deploy/prometheus: `promtool check config`, `promtool check rules`, and the rules' unit
#     tests (`promtool test rules`);
#   - deploy/k8s: every manifest of kustomization.yaml against the Kubernetes OpenAPI schemas
#     (strict: unknown fields fail) of the oldest and newest Kubernetes versions we support, and
#     the KEDA ScaledObject and TriggerAuthentication against deploy/k8s/schemas (KEDA's CRDs
#     are not among them).
#
# Installs what is missing into .tools/ (ignored by git), once:
#   - promtool: extracted from Debian's `prometheus` package (`apt-get download`, then
#     `dpkg-deb -x`): installing the package would also set up and start a Prometheus server;
#   - a Python venv with kubernetes-validate from PyPI, which ships the Kubernetes JSON schemas.
#
#   bash scripts/check-deploy.sh        # prints PASS/FAIL lines; exits 1 when anything fails
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="$root/.tools"

KUBERNETES_VALIDATE_VERSION=1.37.0
# Oldest and newest Kubernetes minor versions the manifests must be valid for.
K8S_VERSIONS="${K8S_VERSIONS:-1.30 1.37}"

passed=0
failed=0
pass() { passed=$((passed + 1)); printf 'PASS %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
say() { printf 'check-deploy: %s\n' "$*" >&2; }

# Runs a command; PASS or FAIL with its output indented under the FAIL line.
check() {
  local what="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    pass "$what"
  else
    fail "$what"
    printf '%s\n' "$out" | sed 's/^/    /'
  fi
}

find_promtool() {
  if command -v promtool >/dev/null 2>&1; then
    command -v promtool
    return
  fi
  local bin="$tools/prometheus/usr/bin/promtool"
  if [[ ! -x "$bin" ]]; then
    command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 || {
      say "promtool is missing and this is no Debian system: install Prometheus's promtool"
      return 1
    }
    local work
    work="$(mktemp -d)"
    say "fetching promtool from Debian's prometheus package into .tools/prometheus"
    if ! (cd "$work" && apt-get download prometheus >/dev/null 2>&1); then
      # A fresh machine has no package lists yet.
      [[ "$(id -u)" == 0 ]] || { say "apt-get download failed; run apt-get update as root"; rm -rf "$work"; return 1; }
      apt-get update -qq >/dev/null
      (cd "$work" && apt-get download prometheus >/dev/null) || { rm -rf "$work"; return 1; }
    fi
    rm -rf "$tools/prometheus"
    mkdir -p "$tools/prometheus"
    dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
    mkdir -p "$tools/prometheus/usr/bin"
    mv "$work/root/usr/bin/promtool" "$bin"
    rm -rf "$work"
  fi
  echo "$bin"
}

find_python() {
  local venv="$tools/deploy-venv"
  if [[ -x "$venv/bin/python" ]] &&
    [[ "$("$venv/bin/python" -c 'import kubernetes_validate; print(kubernetes_validate.__version__)' 2>/dev/null)" == "$KUBERNETES_VALIDATE_VERSION" ]]; then
    echo "$venv/bin/python"
    return
  fi
  command -v python3 >/dev/null 2>&1 || { say "python3 is needed for the Kubernetes schemas"; return 1; }
  say "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION into .tools/deploy-venv"
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # Debian's python3 ships venv separately.
    [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1 || { say "python3 -m venv failed"; return 1; }
    apt-get update -qq >/dev/null && apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2
  echo "$venv/bin/python"
}

# --- Prometheus ---------------------------------------------------------------------------
if promtool="$(find_promtool)"; then
  say "$("$promtool" --version 2>&1 | head -n 1)"
  check "promtool check config deploy/prometheus/prometheus.yml" \
    "$promtool" check config deploy/prometheus/prometheus.yml
  check "promtool check rules deploy/prometheus/alerts.yml" \
    "$promtool" check rules deploy/prometheus/alerts.yml
  check "promtool test rules deploy/prometheus/alerts.test.yml" \
    "$promtool" test rules deploy/prometheus/alerts.test.yml
else
  fail "promtool is not available (see above)"
fi

# --- Kubernetes ---------------------------------------------------------------------------
if python="$(find_python)"; then
  set +e
  # shellcheck disable=SC2086 # one argument per version
  k8s_out="$("$python" - deploy/k8s $K8S_VERSIONS 2>&1 <<'PY'
import json
import pathlib
import sys

import jsonschema
import kubernetes_validate
import yaml

folder = pathlib.Path(sys.argv[1])
versions = sys.argv[2:]
failures = 0


def report(ok, what, detail=""):
    global failures
    print(("PASS " if ok else "FAIL ") + what + (f"\n    {detail}" if detail else ""))
    failures += 0 if ok else 1


def where(error):
    return ".".join(str(p) for p in error.absolute_path) or "(top)"


kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
listed = kustomization.get("resources", [])
on_disk = sorted(p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
missing = [name for name in listed if not (folder / name).is_file()]
unlisted = [name for name in on_disk if name not in listed]
report(
    kustomization.get("kind") == "Kustomization" and not missing and not unlisted,
    f"{folder}/kustomization.yaml lists exactly the manifests beside it",
    f"missing: {missing}, not listed: {unlisted}" if missing or unlisted else "",
)

# KEDA's kinds, each against its schema in deploy/k8s/schemas.
keda_kinds = {
    kind: jsonschema.Draft202012Validator(json.loads((folder / "schemas" / f"keda-{kind.lower()}-v1alpha1.json").read_text()))
    for kind in ("ScaledObject", "TriggerAuthentication")
}

for name in listed:
    path = folder / name
    if not path.is_file():
        continue
    for doc in (d for d in yaml.safe_load_all(path.read_text()) if d):
        kind, meta = doc.get("kind", "?"), doc.get("metadata") or {}
        label = f"{kind.lower()}/{meta.get('name', '?')} ({path})"
        if doc.get("apiVersion") == "keda.sh/v1alpha1":
            keda = keda_kinds.get(kind)
            if keda is None:
                report(False, f"KEDA schema {label}", f"no schema for KEDA's {kind} in deploy/k8s/schemas")
                continue
            errors = sorted(keda.iter_errors(doc), key=lambda e: list(e.absolute_path))
            report(not errors, f"KEDA schema {label}", "; ".join(f"{where(e)}: {e.message}" for e in errors))
            behavior = ((doc.get("spec") or {}).get("advanced") or {}).get("horizontalPodAutoscalerConfig", {}).get("behavior")
            if behavior is None:
                continue
            # KEDA hands this object to the HPA it creates: check it as an HPA's behavior.
            hpa = {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": meta.get("name", "x")},
                "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": 1, "behavior": behavior},
            }
            docs = [(f"k8s {v} HPA behavior of {label}", hpa, v) for v in versions]
        else:
            docs = [(f"k8s {v} {label}", doc, v) for v in versions]
        for what, resource, version in docs:
            try:
                kubernetes_validate.validate(resource, version, strict=True)
                report(True, what)
            except kubernetes_validate.ValidationError as e:
                report(False, what, f"{where(e)}: {e.message}")
            except kubernetes_validate.SchemaNotFoundError:
                report(False, what, f"no schema for {resource.get('apiVersion')} {kind}: a typo, or a CRD without a schema in deploy/k8s/schemas")

sys.exit(1 if failures else 0)
PY
)"
  k8s_status=$?
  set -e
  printf '%s\n' "$k8s_out"
  passed=$((passed + $(grep -c '^PASS' <<<"$k8s_out" || true)))
  failed=$((failed + $(grep -c '^FAIL' <<<"$k8s_out" || true)))
  # A crash prints no FAIL line of its own.
  [[ $k8s_status == 0 ]] || grep -q '^FAIL' <<<"$k8s_out" || fail "Kubernetes manifest check crashed (see above)"
else
  fail "Python with kubernetes-validate is not available (see above)"
fi

if command -v kubectl >/dev/null 2>&1; then
  check "kubectl kustomize deploy/k8s builds" kubectl kustomize deploy/k8s
else
  say "SKIP kubectl kustomize deploy/k8s (no kubectl here)"
fi

echo "check-deploy: $passed passed, $failed failed"
[[ $failed == 0 ]]
