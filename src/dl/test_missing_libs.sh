#!/bin/sh
# What switchboard does when libcrypto or libsqlite3 cannot be loaded (src/dl/ shims): the
# CDR store does not open and says why; a JWT public key is not accepted, so the HTTP server
# does not start; a bearer token that works with the library is refused without it. The
# missing library is simulated with an empty file of its SONAME first on LD_LIBRARY_PATH.
# usage: test_missing_libs.sh SWITCHBOARD CRYPTO_SONAME SQLITE_SONAME
set -u
SB=$1
CRYPTO=$2
SQLITE=$3
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir "$tmp/broken"
: >"$tmp/broken/$CRYPTO"
: >"$tmp/broken/$SQLITE"

fail()
{
    echo "FAIL: $*"
    for f in "$tmp"/*.err; do
        [ -f "$f" ] && sed "s|^|$(basename "$f"): |" "$f"
    done
    exit 1
}

# ---- the CDR store ---------------------------------------------------------------------------
timeout -k 5 60 "$SB" report --store="$tmp/ok.db" >/dev/null 2>"$tmp/store_ok.err" ||
    fail "report on a new store"
LD_LIBRARY_PATH=$tmp/broken timeout -k 5 60 "$SB" report --store="$tmp/no.db" >/dev/null 2>"$tmp/store.err"
rc=$?
[ "$rc" -eq 1 ] || fail "report without $SQLITE: exit status $rc, expected 1"
grep -q "cannot open store $tmp/no.db: cannot load $SQLITE" "$tmp/store.err" ||
    fail "report without $SQLITE: no clear error"
[ ! -e "$tmp/no.db" ] || fail "report without $SQLITE created the store"

# ---- a JWT public key ------------------------------------------------------------------------
cat >"$tmp/ec.pem" <<'EOF'
-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUqzg22oTEoJckJNsbXbUq602NDIZ
wTWCgWjmsyhhhH4EMW1artUI0mmyga+2G+jKm8c8r6xxJSrRsoAHtDIdXg==
-----END PUBLIC KEY-----
EOF
LD_LIBRARY_PATH=$tmp/broken timeout -k 5 20 "$SB" serve --http 127.0.0.1:0 --jwt-public-key "$tmp/ec.pem" \
    </dev/null >/dev/null 2>"$tmp/pem.err"
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] || fail "serve with a JWT key without $CRYPTO: exit status $rc"
grep -q "cannot load $CRYPTO" "$tmp/pem.err" || fail "serve with a JWT key: no load error"

# ---- a bearer token: 200 with libcrypto, 401 without -----------------------------------------
command -v curl >/dev/null || { echo "SKIP: no curl for the bearer-token part"; exit 0; }
token=abcdefghijklmnopqrstuvwxyz012345
echo "$token tools:read" >"$tmp/tokens"
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'

# Starts the server with LD_LIBRARY_PATH=$1 and prints the HTTP status of one initialize.
status_with()
{
    LD_LIBRARY_PATH=$1 timeout -k 5 30 "$SB" serve --http 127.0.0.1:0 --auth-tokens "$tmp/tokens" \
        </dev/null >/dev/null 2>"$tmp/serve$2.err" &
    pid=$!
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's/^switchboard: listening on port \([0-9]*\)$/\1/p' "$tmp/serve$2.err")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || fail "the server did not start"
    curl -s -m 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
        -d "$init" "http://127.0.0.1:$port/mcp"
    kill "$pid"
    wait "$pid"
    pid=
}

code=$(status_with "" _ok)
[ "$code" = 200 ] || fail "the token with $CRYPTO: HTTP $code, expected 200"
code=$(status_with "$tmp/broken" _no)
[ "$code" = 401 ] || fail "the token without $CRYPTO: HTTP $code, expected 401"
grep -q "cannot load $CRYPTO.*every token is refused" "$tmp/serve_no.err" ||
    fail "the server without $CRYPTO: no load error"
echo "ok: without $SQLITE the store says why; without $CRYPTO keys and tokens are refused"
