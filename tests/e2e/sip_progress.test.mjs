// Progress on large captures: the bar `switchboard analyze` draws on stderr (--progress, none
// when stderr is not a terminal or with --no-progress) and the MCP progress notifications of
// analyze_capture, read by the official SDK client. The capture is a shared one repeated to
// about 9 MB (every copy an hour later, Call-IDs made unique per copy), large enough for the
// two-thread reader, so the counts of the repeated copy are checked too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SWITCHBOARD, connectStdio } from "./core-lib.mjs";

const SHARED = process.env.SB_SHARED_CAPTURES ?? new URL("../../../shared/captures", import.meta.url).pathname;
const COPIES = 62;
let dir, big, one;

// Classic pcap records of `src`, repeated: copy k is k hours later and every Call-ID gains a
// same-length suffix change (its last character), so the copies are distinct calls.
function repeatCapture(src, copies) {
  const b = readFileSync(src);
  const le = b.readUInt32LE(0) === 0xa1b2c3d4;
  assert.ok(le, "little-endian classic pcap expected");
  const recs = [];
  for (let off = 24; off + 16 <= b.length;) {
    const incl = b.readUInt32LE(off + 8);
    recs.push(b.subarray(off, off + 16 + incl));
    off += 16 + incl;
  }
  const out = [b.subarray(0, 24)];
  for (let k = 0; k < copies; k++) {
    for (const r of recs) {
      const c = Buffer.from(r);
      c.writeUInt32LE(c.readUInt32LE(0) + 3600 * k, 0);
      let s = c.toString("latin1");
      s = s.replace(/(\r\n(?:Call-ID|i):[ \t]*)([^\r\n]*?)(.)(\r\n)/gi,
                    (_, h, id, last, e) => h + id + String.fromCharCode(33 + ((last.charCodeAt(0) - 33 + k) % 94)) + e);
      out.push(Buffer.from(s, "latin1"));
    }
  }
  return Buffer.concat(out);
}

function run(args, ms = 60000) {
  return new Promise((resolve, reject) => {
    const child = spawn(SWITCHBOARD, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { err += d; });
    const t = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("error", reject);
    child.on("exit", (code) => { clearTimeout(t); resolve({ code, out, err }); });
  });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "sb-progress-"));
  one = join(SHARED, "rtp_twoway.pcap");
  big = join(dir, "big.pcap");
  writeFileSync(big, repeatCapture(one, COPIES));
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

test("analyze --progress: a bar on stderr that rises to 100% of the file", async () => {
  const size = statSync(big).size;
  assert.ok(size > 8 * 1024 * 1024, `the capture is large enough for the two-thread reader (${size} bytes)`);
  const r = await run(["analyze", big, "--progress"]);
  assert.equal(r.code, 0, r.err);
  const frames = r.err.split("\r").filter((s) => s.startsWith("["));
  assert.ok(frames.length >= 10, `several updates (${frames.length})`);
  const pct = frames.map((f) => Number(/\]\s+(\d+)%/.exec(f)[1]));
  for (let i = 1; i < pct.length; i++) assert.ok(pct[i] >= pct[i - 1], `never goes back: ${pct.join(",")}`);
  assert.equal(pct.at(-1), 100);
  assert.match(frames.at(-1), /^\[#{40}\] 100% (\d+\.\d)\/\1 MB\n$/);
  assert.match(r.out, /SIP messages/);
});

test("analyze: no bar when stderr is not a terminal, nor with --no-progress", async () => {
  for (const args of [["analyze", big], ["analyze", big, "--no-progress"]]) {
    const r = await run(args);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /\[[#.]{40}\]/);
    assert.match(r.out, /SIP messages/);
  }
});

test("the repeated capture gives every copy's calls (two-thread reader = one copy times n)", async () => {
  const a = JSON.parse((await run(["analyze", one, "--json"])).out);
  const b = JSON.parse((await run(["analyze", big, "--json"])).out);
  assert.equal(b.summary.sipMessages, a.summary.sipMessages * COPIES);
  assert.equal(b.summary.callIds, a.summary.callIds * COPIES);
  assert.equal(b.summary.rtpPackets, a.summary.rtpPackets * COPIES);
});

test("analyze_capture over MCP: progress notifications in bytes of the file", async () => {
  const s = await connectStdio(["--data-dir", dir]);
  try {
    const progress = [];
    const r = await s.client.callTool({ name: "analyze_capture", arguments: { path: "big.pcap", limit: 1 } },
                                      undefined, { onprogress: (p) => progress.push(p) });
    assert.equal(r.isError, undefined, JSON.stringify(r.content));
    const size = statSync(big).size;
    // the server spaces notifications out (the first, then at most one per interval, and the
    // last), and the client may drop one that arrives with the response: at least the first
    assert.ok(progress.length >= 1, "a progress notification");
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].progress > progress[i - 1].progress);
    assert.ok(progress.every((p) => p.total === size && p.progress <= size));
    assert.ok(progress.every((p) => p.message === "reading capture"));
    assert.equal(r.structuredContent.summary.sipMessages > 0, true);
  } finally {
    await s.close();
  }
});
