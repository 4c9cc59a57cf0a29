// make demo stays working: the scripted session (tests/e2e/demo.mjs with every step in demo.d)
// runs against this build's binaries and simulators, every step succeeds, and each family
// answered with its own content.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;

test("the demo session runs every step", () => {
  const r = spawnSync(process.execPath, [join(here, "demo.mjs")], {
    env: { ...process.env }, encoding: "utf8", timeout: 240000, maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, `demo failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
  for (const expected of [/demo complete/, /3CX 20\.0/, /Call report, last 30 day/, /Problems, most serious first/,
                          /high_cost_burst/, /Karl Schmidt/, /Not Acceptable Here/])
    assert.match(r.stdout, expected);
});
