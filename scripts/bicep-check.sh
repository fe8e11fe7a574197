#!/usr/bin/env bash
# bicep build + bicep lint of infra/main.bicep (and build-params of infra/main.bicepparam); fails on ANY warning or error, not only on a non-zero exit:
# `bicep build` exits 0 with warnings (BCP081 unknown API version, BCP333 …), and CI must not let those through.
# Info-level findings (use-recent-api-versions, whose verdict changes with the calendar) are printed, not fatal.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BICEP="$(bash "$ROOT/scripts/install-bicep.sh")"
TEMPLATE="${1:-$ROOT/infra/main.bicep}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

status=0
"$BICEP" build "$TEMPLATE" --stdout >"$OUT/arm.json" 2>"$OUT/build.log" || status=1
"$BICEP" lint "$TEMPLATE" >"$OUT/lint.log" 2>&1 || status=1
# The azd parameters file too, fed the shipped examples the way `azd env set` would.
PARAMS="$(dirname "$TEMPLATE")/main.bicepparam"
: >"$OUT/params.log"
if [[ -f "$PARAMS" ]]; then
  # Both ways of the static outbound IP option (NAT gateway + public IP, or none).
  for nat in false true; do
    AZURE_ENV_NAME=ci AZURE_LOCATION=westeurope MAILBOX_HEALTH_ADMIN_EMAILS=admin@contoso.com \
      MAILBOX_HEALTH_CONFIG_JSON="$(tr -d '\n' <"$ROOT/infra/mailbox-health.example.json")" \
      MAILBOX_HEALTH_KEY_VAULT_REFERENCES="$(tr -d '\n' <"$ROOT/infra/key-vault-references.example.json")" \
      MAILBOX_HEALTH_STATIC_OUTBOUND_IP="$nat" \
      "$BICEP" build-params "$PARAMS" --stdout >"$OUT/params-$nat.json" 2>>"$OUT/params.log" || status=1
    node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const v = JSON.parse(o.parametersJson).parameters.staticOutboundIp?.value;
      if (String(v) !== process.argv[2]) process.exit(1);' "$OUT/params-$nat.json" "$nat" ||
      { echo "bicep-check: build-params did not carry staticOutboundIp=$nat" >>"$OUT/params.log"; status=1; }
  done
fi
cat "$OUT/build.log" "$OUT/lint.log" "$OUT/params.log" | sort -u >"$OUT/all.log"

# Diagnostics look like: path(line,col) : Warning rule-or-code: message
if grep -E ' : (Warning|Error) ' "$OUT/all.log" >"$OUT/bad.log"; then
  status=1
fi
grep -E ' : Info ' "$OUT/all.log" || true

if [[ $status -ne 0 ]]; then
  echo "bicep-check: FAILED for $TEMPLATE" >&2
  cat "$OUT/bad.log" >&2
  # A failing exit without a diagnostic line (crash, missing file): show everything.
  [[ -s "$OUT/bad.log" ]] || cat "$OUT/all.log" >&2
  exit 1
fi
echo "bicep-check: build, lint and build-params clean ($(basename "$TEMPLATE"), $(wc -c <"$OUT/arm.json") bytes of ARM JSON)"
