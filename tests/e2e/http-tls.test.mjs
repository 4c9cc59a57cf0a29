// HTTPS through libmicrohttpd (--tls-cert/--tls-key): a self-signed certificate made with the
// openssl command line, trusted explicitly by the client; MCP initialize over TLS; plain HTTP on
// the TLS port gets no answer; a missing key refuses to start.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, startFails, tmpDir, initBody, JSON_SSE } from "./http-lib.mjs";

const haveOpenssl = spawnSync("openssl", ["version"]).status === 0;
const servers = [];
after(async () => { for (const s of servers) await s.stop(); });

function request(port, path, { method = "GET", body, ca, headers = {} }) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path, method, ca, headers, timeout: 10000 }, (res) => {
      let text = "";
      res.on("data", (d) => { text += d; });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    if (body) req.write(body);
    req.end();
  });
}

test("serves MCP over HTTPS with --tls-cert/--tls-key", { skip: !haveOpenssl && "openssl not installed" }, async () => {
  const dir = tmpDir();
  const key = join(dir, "key.pem"), cert = join(dir, "cert.pem");
  const gen = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]);
  assert.equal(gen.status, 0, String(gen.stderr));
  const s = await startServer(["--tls-cert", cert, "--tls-key", key]);
  servers.push(s);
  assert.match(s.stderr(), /listening on https:\/\//);
  const ca = readFileSync(cert);
  const h = await request(s.port, "/healthz", { ca });
  assert.equal(h.status, 200);
  const body = JSON.stringify(initBody());
  const r = await request(s.port, "/mcp", { method: "POST", body, ca,
    headers: { "Content-Type": "application/json", Accept: JSON_SSE, "Content-Length": Buffer.byteLength(body) } });
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.text).result.protocolVersion, "2025-11-25");
  assert.match(r.headers["mcp-session-id"], /^[0-9a-f]{32}$/);
  await assert.rejects(request(s.port, "/healthz", {}), /self-signed|certificate/i); // not trusted without the CA
  const f = await startFails(["--http", "127.0.0.1:0", "--tls-cert", cert]);
  assert.equal(f.code, 1);
  assert.match(f.stderr, /--tls-cert and --tls-key go together/);
});
