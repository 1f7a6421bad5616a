#!/usr/bin/env bash
# The "Access token OAuth with Hydra" walkthrough, step by step, against either stack:
#   npm run demo            (defaults below)
#   docker compose up       (same defaults: Hydra's ports and the gateway's 8080 are published)
# Environment: HYDRA_PUBLIC_URL (http://127.0.0.1:4444), HYDRA_ADMIN_URL (http://127.0.0.1:4445),
# GATEWAY_URL (http://127.0.0.1:8080), CLIENT_ID (my-client), CLIENT_SECRET (secret).
# Exits non-zero at the first answer that differs from the guide. Needs bash and curl only.
set -euo pipefail

HYDRA_PUBLIC_URL="${HYDRA_PUBLIC_URL:-http://127.0.0.1:4444}"
HYDRA_ADMIN_URL="${HYDRA_ADMIN_URL:-http://127.0.0.1:4445}"
GATEWAY_URL="${GATEWAY_URL:-http://127.0.0.1:8080}"
CLIENT_ID="${CLIENT_ID:-my-client}"
CLIENT_SECRET="${CLIENT_SECRET:-secret}"
BAD_TOKEN='qwertyuio23456789'

BODY_FILE="$(mktemp)"
trap 'rm -f "$BODY_FILE"' EXIT

# request ARGS... → sets STATUS and BODY; a connection failure is status 000.
request() {
  STATUS="$(curl --silent --show-error --max-time 10 --output "$BODY_FILE" --write-out '%{http_code}' "$@" || true)"
  BODY="$(cat "$BODY_FILE")"
}

step() { printf '\n== step %s: %s\n' "$1" "$2"; }

# expect_status WANTED... : passes when STATUS is one of WANTED.
expect_status() {
  local wanted
  for wanted in "$@"; do
    if [[ "$STATUS" == "$wanted" ]]; then
      printf '   -> %s (expected %s)\n   %s\n' "$STATUS" "$*" "$BODY"
      return 0
    fi
  done
  printf '   -> %s, but the guide expects %s\n   %s\nFAILED\n' "$STATUS" "$*" "$BODY" >&2
  exit 1
}

expect_body() {
  if [[ "$BODY" != *"$1"* ]]; then
    printf '   the body does not contain %s\nFAILED\n' "$1" >&2
    exit 1
  fi
}

step 1 "GET $GATEWAY_URL/public/ratings/1 (a route without a policy) -> 200"
request "$GATEWAY_URL/public/ratings/1"
expect_status 200
expect_body '"ratings"'

step 2 "POST $HYDRA_ADMIN_URL/admin/clients (create $CLIENT_ID) -> 201 (409: it exists already)"
request -X POST "$HYDRA_ADMIN_URL/admin/clients" \
  -H 'Content-Type: application/json' -H 'Accept: application/json' \
  -d "{\"client_id\": \"$CLIENT_ID\", \"client_secret\": \"$CLIENT_SECRET\", \"grant_types\": [\"client_credentials\"]}"
expect_status 201 409

step 3 "POST $HYDRA_PUBLIC_URL/oauth2/token (client_credentials) -> 200 and an access token"
request -X POST "$HYDRA_PUBLIC_URL/oauth2/token" \
  -H 'Content-Type: application/x-www-form-urlencoded' -H 'Accept: application/json' \
  -u "$CLIENT_ID:$CLIENT_SECRET" -d 'grant_type=client_credentials'
expect_status 200
HYDRA_ACCESS_TOKEN="$(printf '%s' "$BODY" | sed -n 's/.*"access_token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')"
if [[ -z "$HYDRA_ACCESS_TOKEN" ]]; then
  printf '   no access_token in the answer\nFAILED\n' >&2
  exit 1
fi
printf '   HYDRA_ACCESS_TOKEN=%s...\n' "${HYDRA_ACCESS_TOKEN:0:8}"

step 4 "POST $HYDRA_ADMIN_URL/admin/oauth2/introspect -> 200 and \"active\":true"
request -X POST "$HYDRA_ADMIN_URL/admin/oauth2/introspect" \
  -H 'Content-Type: application/x-www-form-urlencoded' -H 'Accept: application/json' \
  -d "token=$HYDRA_ACCESS_TOKEN"
expect_status 200
expect_body '"active":true'

step 5 "GET $GATEWAY_URL/ratings/1 without a token -> 403"
request "$GATEWAY_URL/ratings/1"
expect_status 403

step 6 "GET $GATEWAY_URL/ratings/1 with the bad token $BAD_TOKEN -> 403"
request "$GATEWAY_URL/ratings/1" -H "Authorization: Bearer $BAD_TOKEN"
expect_status 403

step 7 "GET $GATEWAY_URL/ratings/1 with the access token -> 200 and the ratings"
request "$GATEWAY_URL/ratings/1" -H "Authorization: Bearer $HYDRA_ACCESS_TOKEN"
expect_status 200
expect_body '"Reviewer1"'

printf '\nall 7 steps answered as in the guide\n'
