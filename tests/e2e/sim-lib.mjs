// Starting a simulator (build/tcx-sim, build/connexcs-sim) for an e2e test or a demo step: it
// listens on an ephemeral loopback port, prints "listening on URL" on stdout, and stops by
// itself after --max-seconds even if nobody stops it.
import { spawn } from "node:child_process";

export function startSimulator(bin, args, { maxSeconds = 300, startTimeoutMs = 10000 } = {}) {
  const sim = spawn(bin, ["--listen", "127.0.0.1:0", "--max-seconds", String(maxSeconds), ...args],
                    { stdio: ["ignore", "pipe", "ignore"] });
  return new Promise((resolve, reject) => {
    let buf = "";
    const t = setTimeout(() => { sim.kill("SIGKILL"); reject(new Error(`${bin} did not start`)); }, startTimeoutMs);
    sim.on("error", (e) => { clearTimeout(t); reject(e); });
    sim.stdout.on("data", (c) => {
      buf += c;
      const m = buf.match(/listening on (http:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(t);
        resolve({ base: m[1], stop: async () => { sim.kill("SIGTERM"); } });
      }
    });
  });
}
