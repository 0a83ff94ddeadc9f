#!/usr/bin/env bash
# Checks README's "Running at scale" for real: two release servers on one
# fresh PostgreSQL database, behind nginx run with the README's own config
# (taken from the README, so the two cannot drift apart), then a backup
# restored into an empty database. Cleans up after itself.
#
# Assumes nginx, PostgreSQL (createdb, dropdb, psql, pg_dump, pg_restore
# reaching a server that lets this user create databases), curl and jq are
# installed, and the release server is built:
#   cargo build --release -p petition-server
# Run from the repository's root (it serves petitions/ and www/):
#   docs/scale-check.sh
# BIN, PGHOST, PGPORT, PGUSER and the ports below can be set in the environment.
set -euo pipefail

BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/petition-server}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-$(id -un)}
A=${PORT_A:-18001} B=${PORT_B:-18002} C=${PORT_C:-18003} NGINX=${PORT_NGINX:-18080}
METRICS_A=${PORT_METRICS_A:-19091} METRICS_B=${PORT_METRICS_B:-19092}
DB=petition_scale_check_$$
RESTORED=${DB}_restored
URL=postgres://$PGUSER@$PGHOST:$PGPORT/$DB
PROXY=http://127.0.0.1:$NGINX
SLUG=stop-sharing

[ -x "$BIN" ] || { echo "no server at $BIN: cargo build --release -p petition-server" >&2; exit 2; }
[ -f README.md ] && [ -d petitions ] || { echo "run from the repository's root" >&2; exit 2; }
for tool in nginx createdb dropdb pg_dump pg_restore curl jq sha256sum; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

tmp=$(mktemp -d)
pids=()
failed=0
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  dropdb --if-exists "$DB" 2>/dev/null || true
  dropdb --if-exists "$RESTORED" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "ok   $*"; }
no() { echo "FAIL $*"; failed=1; }
check() { if [ "$1" = "$2" ]; then ok "$3: $1"; else no "$3: got '$1', expected '$2'"; fi; }
now_ms() { date +%s%3N; }
wait_ready() { # url
  for _ in $(seq 1 100); do curl -sf "$1/readyz" >/dev/null && return 0; sleep 0.1; done
  no "$1/readyz never answered 200"; return 1
}
header() { # name, file of headers
  grep -i "^$1:" "$2" | head -1 | cut -d' ' -f2- | tr -d '\r'
}
count_at() { curl -sf "http://127.0.0.1:$1/api/petitions/$SLUG" | jq .signature_count; }
metric() { # metrics port, series
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v s="$2" '$1 == s { print $2 }'
}
# The first proof whose SHA-256 (token, then 8 little-endian bytes) starts with
# `difficulty` zero bits: fine for the low difficulty these servers run at.
solve() { # token, difficulty
  local proof=0 hex bytes i
  while :; do
    bytes=''
    for i in 0 8 16 24 32 40 48 56; do bytes+=$(printf '\\x%02x' $(((proof >> i) & 255))); done
    hex=$( { printf '%s' "$1"; printf "$bytes"; } | sha256sum | cut -c1-8)
    if (((16#$hex >> (32 - $2)) == 0)) || (($2 == 0)); then echo "$proof"; return; fi
    proof=$((proof + 1))
  done
}
serve() { # listen port, metrics port or "", database url, log
  local metrics=()
  [ -n "$2" ] && metrics=(--metrics-listen "127.0.0.1:$2")
  "$BIN" --listen "127.0.0.1:$1" "${metrics[@]}" --database-url "$3" \
    --petitions-dir petitions --www-dir www --widget-dir "$tmp/pkg" --mail-dir "$tmp/mail" \
    --public-url "$PROXY" --trust-forwarded-for \
    --proof-difficulty 0 --min-fill-seconds 0 2>"$4" &
  pids+=($!)
}

echo "== two instances on one new PostgreSQL database ($DB)"
createdb "$DB"
serve "$A" "$METRICS_A" "$URL" "$tmp/a.log"; pid_a=$!
serve "$B" "$METRICS_B" "$URL" "$tmp/b.log"; pid_b=$!
wait_ready "http://127.0.0.1:$A" && ok "instance A ready on :$A (metrics :$METRICS_A)"
wait_ready "http://127.0.0.1:$B" && ok "instance B ready on :$B (metrics :$METRICS_B)"

echo "== nginx ($(nginx -v 2>&1 | cut -d/ -f2)) with README's config on :$NGINX"
mkdir -p "$tmp/cache" "$tmp/nginx"
# The first ```nginx block after the heading, with this run's ports and paths.
awk '/^## Running at scale/ { on = 1 } on && /^```nginx/ { inside = 1; next } inside && /^```/ { exit } inside' README.md |
  sed -e "s|listen 80;|listen 127.0.0.1:$NGINX;|" -e "s|127.0.0.1:8001|127.0.0.1:$A|" \
      -e "s|127.0.0.1:8002|127.0.0.1:$B|" -e "s|/var/cache/nginx/petition|$tmp/cache|" >"$tmp/petition.conf"
grep -q "listen 127.0.0.1:$NGINX;" "$tmp/petition.conf" || { no "README's nginx config not found"; exit 1; }
cat >"$tmp/nginx.conf" <<EOF
daemon off;
user $(id -un);
pid $tmp/nginx.pid;
error_log $tmp/nginx/error.log;
events {}
http {
  access_log $tmp/nginx/access.log;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  include $tmp/petition.conf;
}
EOF
nginx -t -q -p "$tmp" -c "$tmp/nginx.conf"
nginx -p "$tmp" -c "$tmp/nginx.conf" 2>>"$tmp/nginx/error.log" &
pids+=($!)
wait_ready "$PROXY" && ok "nginx answers /readyz"

echo "== the petition view is cached for its max-age"
curl -s -D "$tmp/h1" -o /dev/null "$PROXY/api/petitions/$SLUG"
curl -s -D "$tmp/h2" -o /dev/null "$PROXY/api/petitions/$SLUG"
check "$(header X-Cache-Status "$tmp/h1")" MISS "first view"
check "$(header X-Cache-Status "$tmp/h2")" HIT "second view, at once"
check "$(header Cache-Control "$tmp/h2")" "public, max-age=5" "Cache-Control passed on"
etag=$(header ETag "$tmp/h2")
[ -n "$etag" ] && ok "ETag $etag" || no "no ETag"
answer=$(curl -s -D "$tmp/h3" -o /dev/null -w '%{http_code} %{size_download}' -H "If-None-Match: $etag" "$PROXY/api/petitions/$SLUG")
check "$answer $(header X-Cache-Status "$tmp/h3")" "304 0 HIT" "If-None-Match with that tag (status, body bytes, cache)"
sleep 6
curl -s -D "$tmp/h4" -o /dev/null "$PROXY/api/petitions/$SLUG"
check "$(header X-Cache-Status "$tmp/h4")" REVALIDATED "after 6 s: asked again with the ETag, 304 from an instance"

echo "== the challenge is per visitor, never cached"
curl -s -D "$tmp/c1" -o "$tmp/c1.json" "$PROXY/api/petitions/$SLUG/challenge"
curl -s -D "$tmp/c2" -o "$tmp/c2.json" "$PROXY/api/petitions/$SLUG/challenge"
check "$(header Cache-Control "$tmp/c1")" no-store "challenge Cache-Control"
check "$(header X-Cache-Status "$tmp/c1")" "" "challenge cache status (no header: not a cached location)"
[ "$(jq -r .token "$tmp/c1.json")" != "$(jq -r .token "$tmp/c2.json")" ] && ok "two challenges, two tokens" || no "the same challenge twice"

echo "== metrics stay private"
check "$(curl -s -o /dev/null -w '%{http_code}' "$PROXY/metrics")" 404 "/metrics through nginx"
check "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_A/metrics")" 200 "/metrics on A's metrics address"

echo "== the live count through nginx"
start=$(now_ms)
curl -sN --max-time 60 "$PROXY/api/events?petitions=$SLUG" >"$tmp/stream" &
stream=$!
for _ in $(seq 1 50); do grep -q '^event: count' "$tmp/stream" && break; sleep 0.1; done
if grep -q '^event: count' "$tmp/stream"; then ok "first count event after $(($(now_ms) - start)) ms"; else no "no count event within 5 s"; fi

echo "== signing through nginx, read on both instances"
before_a=$(count_at "$A") before_b=$(count_at "$B")
challenge=$(curl -sf "$PROXY/api/petitions/$SLUG/challenge")
token=$(jq -r .token <<<"$challenge")
proof=$(solve "$token" "$(jq -r .difficulty <<<"$challenge")")
body=$(jq -n --arg token "$token" --argjson proof "$proof" --arg email "scale-check-$$@example.org" \
  '{first_name: "Amara", last_name: "Okafor", email: $email, postcode: "E1 6AN", profession: "nurse",
    reason: "", consent: false, challenge: $token, proof: $proof}')
answer=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' -H 'X-Forwarded-For: 198.51.100.7' \
  --data "$body" "$PROXY/api/petitions/$SLUG/signatures")
check "${answer##* }" 200 "signature answered"
after_a=$(count_at "$A") after_b=$(count_at "$B")
check "$before_a -> $after_a" "$before_a -> $((before_a + 1))" "count read on A"
check "$before_b -> $after_b" "$before_b -> $((before_b + 1))" "count read on B"
echo "     counted by A: $(metric "$METRICS_A" 'petition_signatures_counted_total{via="signing"}'), by B: $(metric "$METRICS_B" 'petition_signatures_counted_total{via="signing"}')"
for _ in $(seq 1 30); do grep -q "\"signature_count\":$after_a" "$tmp/stream" && break; sleep 0.1; done
grep -q "\"signature_count\":$after_a" "$tmp/stream" && ok "the open stream heard $after_a" || no "the stream did not hear $after_a"

echo "== backup and restore (pg_dump -Fc, pg_restore into an empty database)"
pg_dump -Fc -f "$tmp/petitions.dump" "$DB"
createdb "$RESTORED"
pg_restore --no-owner -d "$RESTORED" "$tmp/petitions.dump"
serve "$C" "" "postgres://$PGUSER@$PGHOST:$PGPORT/$RESTORED" "$tmp/c.log"; pid_c=$!
wait_ready "http://127.0.0.1:$C" && ok "a server starts on the restored database"
check "$(count_at "$C")" "$after_a" "count in the restored database"
kill -TERM "$pid_c"; wait "$pid_c" || true

echo "== SIGTERM the instance holding the stream"
streams_a=$(metric "$METRICS_A" petition_event_streams_open) streams_b=$(metric "$METRICS_B" petition_event_streams_open)
echo "     streams open: A $streams_a, B $streams_b"
if [ "$streams_a" = 1 ]; then holder=$pid_a; name=A; else holder=$pid_b; name=B; fi
kill -TERM "$holder"; wait "$holder" || true
wait "$stream" || true
grep -q '^retry:' "$tmp/stream" && ok "$name stopped; its stream ended with '$(grep '^retry:' "$tmp/stream")'" || no "no retry: at the end of the stream"
check "$(curl -s -o /dev/null -w '%{http_code}' "$PROXY/api/petitions/$SLUG/challenge")" 200 "nginx still answers, from the other instance"

echo
if [ "$failed" = 0 ]; then echo "all checks passed"; else echo "SOME CHECKS FAILED"; tail -n 5 "$tmp"/*.log "$tmp/nginx/error.log"; exit 1; fi
