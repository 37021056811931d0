// The cost an expiry adds to waiting workers: N worker processes (Node.js SDK + VaultStore, one
// token) call getToken() at the same instant, R rounds with the stored token valid and R rounds
// with it just made expired (through the service, as another process's clock would see it).
// At an expiry one worker refreshes (Zoho stubbed locally, answering after DELAY ms) and the
// others wait for its save. Prints each getToken()'s time (ms, median and max) in both cases.
//   cd node && TOKENVAULT_BIN=../target/release/tokenvault node bench/expiry.mjs [N=8] [R=20] [DELAY=0]
import http from "node:http";
import path from "node:path";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startService, BIN } from "../test/helpers.mjs";

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "test", "workers", "sdk-worker.mjs");
const N = Number(process.argv[2] ?? 8);
const R = Number(process.argv[3] ?? 20);
const DELAY = Number(process.argv[4] ?? 0);

let refreshCalls = 0;
const stub = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (req.method === "POST" && req.url === "/oauth/v2/token") {
      const n = ++refreshCalls;
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ access_token: `1000.at.refreshed.${n}`, expires_in: 3600, token_type: "Bearer" }));
      }, DELAY);
    } else {
      res.writeHead(404);
      res.end("{}");
    }
  });
});
await new Promise((r) => stub.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${stub.address().port}`;
const service = await startService({ lease: 10 });
const TOKEN = { user_name: "ann@zylker.com", client_id: "1000.CLIENT", client_secret: "client-secret-xyz", refresh_token: "1000.rt.bench", access_token: "1000.at.old" };
await service.client.request("PUT", "/v1/tokens", { ...TOKEN, expiry_time: String(Date.now() + 3_600_000) });

// N workers in loop mode: each "go" ({go, at}) answers one timed getToken().
const workers = [];
for (let i = 0; i < N; i++) {
  const child = fork(WORKER, [JSON.stringify({ sdk: "node", kind: "vault", where: service.socket, base, mode: "loop" })], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const inbox = [];
  let wake = null;
  child.on("message", (m) => {
    inbox.push(m);
    if (wake) wake();
  });
  const next = async () => {
    while (inbox.length === 0) await new Promise((r) => (wake = r));
    wake = null;
    return inbox.shift();
  };
  workers.push({ child, next });
}
for (const w of workers) {
  const m = await w.next();
  if (!m.ready) throw new Error(`worker failed: ${JSON.stringify(m).slice(0, 300)}`);
}

async function round() {
  const at = Date.now() + 50;
  for (const w of workers) w.child.send({ go: true, at });
  const answers = await Promise.all(workers.map((w) => w.next()));
  for (const a of answers) if (a.us == null) throw new Error(`worker failed: ${JSON.stringify(a).slice(0, 300)}`);
  return answers;
}
const valid = [];
const expired = [];
for (let r = 0; r < R; r++) {
  valid.push(...(await round()).map((a) => a.us / 1000));
  const [t] = (await service.client.request("GET", "/v1/tokens")).body.tokens;
  await service.client.request("PUT", "/v1/tokens", { ...t, expiry_time: String(Date.now() - 60_000) });
  const before = refreshCalls;
  const answers = await round();
  if (refreshCalls !== before + 1) throw new Error(`round ${r}: ${refreshCalls - before} refresh calls`);
  if (new Set(answers.map((a) => a.access_token)).size !== 1) throw new Error(`round ${r}: workers got different tokens`);
  expired.push(...answers.map((a) => a.us / 1000));
}
for (const w of workers) w.child.send("exit");
await Promise.all(workers.map((w) => w.next()));

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const v = stats(valid);
const e = stats(expired);
console.log(`getToken() of ${N} workers at once, ${R} rounds each (${N * R} calls per row), Zoho stub delay ${DELAY} ms, Node ${process.version}, service ${BIN}`);
console.log("stored token | median ms | max ms | refresh calls");
console.log(`valid | ${v.median.toFixed(2)} | ${v.max.toFixed(2)} | 0`);
console.log(`expired | ${e.median.toFixed(2)} | ${e.max.toFixed(2)} | ${R} (1 per round)`);
await service.stop();
stub.close();
