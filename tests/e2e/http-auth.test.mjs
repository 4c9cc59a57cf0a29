// Authentication and access control of `switchboard serve --http`, every case of the issue:
// no token, malformed header, bad signature, wrong algorithm (alg none, HS256 against an RSA
// key), expired, not yet valid, wrong audience or issuer, missing scope, token in the query
// string; static token file; RS256 from a PEM key, ES256 from a JWKS file; protected-resource
// metadata and the WWW-Authenticate challenge; /metrics needs admin; sessions stay with the
// principal that opened them; refusal to serve a non-loopback address without auth.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  startServer, startFails, post, initBody, openSession, sessionHeaders, tmpDir, writeTmp, signJwt,
  rsaKeys, ecKeys, now,
} from "./http-lib.mjs";

const SECRET = "e2e-hs256-secret-0123456789abcdef-0123456789";
const ISS = "https://issuer.test";
const RESOURCE = "https://mcp.test/mcp";
const READ = "read-token-0123456789abcdef";
const WRITE = "write-token-0123456789abcdef";
const ADMIN = "admin-token-0123456789abcdef";
const servers = [];
let A, dir;

before(async () => {
  dir = tmpDir();
  const tokens = writeTmp(dir, "tokens", `# e2e tokens\n${READ} tools:read\n${WRITE} tools:read tools:write\n${ADMIN} admin\n`);
  A = await startServer(["--auth-tokens", tokens, "--jwt-issuer", ISS, "--resource-url", RESOURCE,
    "--authorization-server", "https://auth.test"],
  { env: { SWITCHBOARD_JWT_SECRET: SECRET }, global: ["--conformance-fixtures", "--allow-writes"] });
  servers.push(A);
});
after(async () => { for (const s of servers) await s.stop(); });

const bearer = (t) => ({ Authorization: `Bearer ${t}` });
const hs = (claims, header = { alg: "HS256", typ: "JWT" }, secret = SECRET) => signJwt(header, claims, { secret });
const good = (extra = {}) => ({ iss: ISS, aud: RESOURCE, exp: now() + 300, sub: "alice", scope: "tools:read", ...extra });

test("no token: 401 with a Bearer challenge naming the resource metadata and scope", async () => {
  const r = await post(A.url, initBody());
  assert.equal(r.status, 401);
  const www = r.headers.get("www-authenticate");
  assert.match(www, /^Bearer /);
  assert.match(www, /resource_metadata="https:\/\/mcp\.test\/\.well-known\/oauth-protected-resource\/mcp"/);
  assert.match(www, /scope="tools:read"/);
});

test("protected-resource metadata at both well-known paths, without a token", async () => {
  for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
    const r = await fetch(A.base + path);
    assert.equal(r.status, 200);
    const prm = await r.json();
    assert.equal(prm.resource, RESOURCE);
    assert.deepEqual(prm.authorization_servers, ["https://auth.test"]);
    assert.deepEqual(prm.scopes_supported, ["tools:read", "tools:write", "admin"]);
  }
});

test("malformed Authorization header: 400 invalid_request; other schemes: 401", async () => {
  for (const h of ["Bearer", "Bearer a b", "Bearer    "]) {
    const r = await post(A.url, initBody(), { Authorization: h });
    assert.equal(r.status, 400, h);
    assert.match(r.headers.get("www-authenticate"), /error="invalid_request"/);
  }
  const basic = await post(A.url, initBody(), { Authorization: "Basic dXNlcjpwYXNz" });
  assert.equal(basic.status, 401);
});

test("static tokens from the file work; an unknown one is 401 invalid_token", async () => {
  const ok = await post(A.url, initBody(), bearer(READ));
  assert.equal(ok.status, 200);
  const bad = await post(A.url, initBody(), bearer("not-a-token-0123456789abcdef"));
  assert.equal(bad.status, 401);
  assert.match(bad.headers.get("www-authenticate"), /error="invalid_token"/);
});

test("JWT HS256: valid passes; bad signature, alg none, expired, not yet valid, wrong aud/iss fail with 401", async () => {
  assert.equal((await post(A.url, initBody(), bearer(hs(good())))).status, 200);
  const cases = [
    ["bad signature", hs(good(), undefined, "another-secret-another-secret-another-secret"), /signature/],
    ["alg none", signJwt({ alg: "none" }, good()), /algorithm/],
    ["HS512", hs(good(), { alg: "HS512" }), /algorithm/],
    ["expired", hs(good({ exp: now() - 3600 })), /expired/],
    ["no exp", hs({ iss: ISS, aud: RESOURCE, scope: "tools:read" }), /expired/],
    ["not yet valid", hs(good({ nbf: now() + 3600 })), /not yet valid/],
    ["wrong audience", hs(good({ aud: "https://other.test/mcp" })), /audience/],
    ["wrong issuer", hs(good({ iss: "https://evil.test" })), /issuer/],
    ["garbage", "abc.def.ghi", /malformed/],
  ];
  for (const [name, token, why] of cases) {
    const r = await post(A.url, initBody(), bearer(token));
    assert.equal(r.status, 401, name);
    const www = r.headers.get("www-authenticate");
    assert.match(www, /error="invalid_token"/, name);
    assert.match(www, why, name);
  }
});

test("missing scope: 403 insufficient_scope naming the scope needed", async () => {
  const r = await post(A.url, initBody(), bearer(hs(good({ scope: "openid profile" }))));
  assert.equal(r.status, 403);
  const www = r.headers.get("www-authenticate");
  assert.match(www, /error="insufficient_scope"/);
  assert.match(www, /scope="tools:read"/);
  assert.match(www, /resource_metadata=/);
});

test("a token in the query string is refused even when valid", async () => {
  const r = await post(`${A.url}?access_token=${READ}`, initBody());
  assert.equal(r.status, 400);
  assert.doesNotMatch(A.stderr(), new RegExp(READ));
});

test("/metrics needs the admin scope", async () => {
  assert.equal((await fetch(`${A.base}/metrics`)).status, 401);
  assert.equal((await fetch(`${A.base}/metrics`, { headers: bearer(WRITE) })).status, 403);
  const m = await fetch(`${A.base}/metrics`, { headers: bearer(ADMIN) });
  assert.equal(m.status, 200);
  assert.match(await m.text(), /switchboard_http_requests_total\{method="POST",code="401"\}/);
  assert.equal((await fetch(`${A.base}/healthz`)).status, 200); /* health needs no token */
});

test("a session belongs to the principal that opened it", async () => {
  const sid = await openSession(A.url, bearer(READ));
  const list = { jsonrpc: "2.0", id: 5, method: "tools/list" };
  assert.equal((await post(A.url, list, sessionHeaders(sid, bearer(READ)))).status, 200);
  assert.equal((await post(A.url, list, sessionHeaders(sid, bearer(WRITE)))).status, 404);
  assert.equal((await post(A.url, list, sessionHeaders(sid))).status, 401);
  // a refreshed JWT of the same subject keeps the session
  const jsid = await openSession(A.url, bearer(hs(good({ jti: "1" }))));
  assert.equal((await post(A.url, list, sessionHeaders(jsid, bearer(hs(good({ jti: "2" })))))).status, 200);
  assert.equal((await post(A.url, list, sessionHeaders(jsid, bearer(hs(good({ sub: "mallory" })))))).status, 404);
});

test("write tools: hidden from a read token and refused with 403; a write token sees and calls them", async () => {
  const rsid = await openSession(A.url, bearer(READ));
  const list = { jsonrpc: "2.0", id: 6, method: "tools/list" };
  const names = async (sid, tok) =>
    (await post(A.url, list, sessionHeaders(sid, bearer(tok)))).json.result.tools.map((t) => t.name);
  const readNames = await names(rsid, READ);
  assert.ok(readNames.includes("echo"));
  assert.ok(!readNames.includes("test_write_echo"));
  const callW = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "test_write_echo", arguments: { message: "w" } } };
  const denied = await post(A.url, callW, sessionHeaders(rsid, bearer(READ)));
  assert.equal(denied.status, 403);
  const www = denied.headers.get("www-authenticate");
  assert.match(www, /error="insufficient_scope"/);
  assert.match(www, /scope="tools:write"/);
  // a JWT with only tools:read is refused the same way
  const jsid = await openSession(A.url, bearer(hs(good())));
  assert.equal((await post(A.url, callW, sessionHeaders(jsid, bearer(hs(good()))))).status, 403);
  const wsid = await openSession(A.url, bearer(WRITE));
  assert.ok((await names(wsid, WRITE)).includes("test_write_echo"));
  const ok = await post(A.url, callW, sessionHeaders(wsid, bearer(WRITE)));
  assert.equal(ok.status, 200);
  assert.equal(ok.json.result.content[0].text, "w");
  const jw = bearer(hs(good({ scope: "tools:read tools:write" })));
  const jwsid = await openSession(A.url, jw);
  assert.equal((await post(A.url, callW, sessionHeaders(jwsid, jw))).json.result.content[0].text, "w");
});

test("the log never shows a token", async () => {
  const log = A.stderr();
  for (const t of [READ, WRITE, ADMIN, SECRET]) assert.doesNotMatch(log, new RegExp(t));
  assert.match(log, /auth=token:[0-9a-f]{8}/);
});

test("RS256 with a PEM public key; HS256 signed with that key's PEM is refused (confusion)", async () => {
  const { publicKey, privateKey } = rsaKeys();
  const pem = publicKey.export({ type: "spki", format: "pem" });
  const s = await startServer(["--jwt-public-key", writeTmp(dir, "rsa.pem", pem), "--jwt-audience", "urn:e2e"]);
  servers.push(s);
  const claims = { aud: "urn:e2e", exp: now() + 300, scope: "tools:read" };
  assert.equal((await post(s.url, initBody(), bearer(signJwt({ alg: "RS256" }, claims, { privateKey })))).status, 200);
  const confused = signJwt({ alg: "HS256" }, claims, { secret: pem });
  const r = await post(s.url, initBody(), bearer(confused));
  assert.equal(r.status, 401);
  assert.match(r.headers.get("www-authenticate"), /algorithm/);
  const other = rsaKeys().privateKey;
  assert.equal((await post(s.url, initBody(), bearer(signJwt({ alg: "RS256" }, claims, { privateKey: other })))).status, 401);
  // no --authorization-server: the challenge carries no resource_metadata and no PRM is served
  const none = await post(s.url, initBody());
  assert.doesNotMatch(none.headers.get("www-authenticate"), /resource_metadata/);
  assert.equal((await fetch(`${s.base}/.well-known/oauth-protected-resource`)).status, 404);
});

test("ES256 from a JWKS file, chosen by kid; RS256 then has no key", async () => {
  const { publicKey, privateKey } = ecKeys();
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "ES256", use: "sig" };
  const file = writeTmp(dir, "jwks.json", JSON.stringify({ keys: [jwk] }));
  const s = await startServer(["--jwks", file, "--jwt-audience", "urn:e2e"]);
  servers.push(s);
  const claims = { aud: "urn:e2e", exp: now() + 300, scope: "tools:read" };
  assert.equal((await post(s.url, initBody(), bearer(signJwt({ alg: "ES256", kid: "k1" }, claims, { privateKey })))).status, 200);
  assert.equal((await post(s.url, initBody(), bearer(signJwt({ alg: "ES256", kid: "k2" }, claims, { privateKey })))).status, 401);
  const rsa = rsaKeys().privateKey;
  assert.equal((await post(s.url, initBody(), bearer(signJwt({ alg: "RS256" }, claims, { privateKey: rsa })))).status, 401);
});

test("refuses a non-loopback address without authentication; bad key files stop the start", async () => {
  const r = await startFails(["--http", "0.0.0.0:0"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /without authentication/);
  // --insecure-no-auth overrides it (reached here through loopback only)
  const open = await startServer(["--http", "0.0.0.0:0", "--insecure-no-auth"]);
  servers.push(open);
  assert.equal((await post(open.url, initBody())).status, 200);
  const k = await startFails(["--http", "127.0.0.1:0", "--jwks", "/nonexistent/jwks.json", "--jwt-audience", "x"]);
  assert.equal(k.code, 1);
  assert.match(k.stderr, /jwks\.json/);
  const short = await startFails(["--http", "127.0.0.1:0", "--jwt-audience", "x"], { env: { SWITCHBOARD_JWT_SECRET: "short" } });
  assert.equal(short.code, 1);
  assert.match(short.stderr, /32 bytes/);
  const bad = await startFails(["--http", "127.0.0.1:0", "--auth-tokens", writeTmp(dir, "bad-tokens", "short tools:read\n")]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /line 1/);
});
