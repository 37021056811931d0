// findToken per call (µs, median and p99): VaultStore + tokenvault serve against the Node.js SDK's
// FileStore, at 1k and 10k stored tokens, in the same run. The looked-up user name is random
// among the stored ones; expiries are an hour ahead (no refresh lease).
//   cd node && TOKENVAULT_BIN=../target/release/tokenvault node bench/find.mjs [calls]
import fs from "node:fs";
import path from "node:path";
import * as SDK from "@zohocrm/nodejs-sdk-8.0";
import { VaultStore } from "../index.js";
import { startService, COLUMNS } from "../test/helpers.mjs";

const CALLS = Number(process.argv[2] ?? 2000);
const stats = (xs) => {
  xs.sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)], p99: xs[Math.floor(xs.length * 0.99)] };
};
const q = (name) => {
  const t = Reflect.construct(SDK.OAuthToken, []);
  t.setUserSignature(new SDK.UserSignature(name));
  return t;
};
async function time(store, n) {
  const xs = [];
  for (let i = 0; i < CALLS; i++) {
    const name = `user${Math.floor(Math.random() * n)}@zylker.com`;
    const t0 = process.hrtime.bigint();
    const r = await store.findToken(q(name));
    xs.push(Number(process.hrtime.bigint() - t0) / 1000);
    if (r == null) throw new Error("not found");
  }
  return stats(xs);
}

const service = await startService();
const exp = String(Date.now() + 3_600_000);
const row = (i) => [String(i + 1), `user${i}@zylker.com`, "1000.CLIENT", "secret", `1000.rt.${i}`, `1000.at.${i}`, "", exp, "", ""];
console.log(`findToken, ${CALLS} calls per figure, Node ${process.version}`);
console.log("tokens | VaultStore median µs | p99 µs | FileStore median µs | p99 µs");
for (const n of [1000, 10000]) {
  await service.client.request("DELETE", "/v1/tokens");
  for (let i = 0; i < n; i++) {
    const [id, user_name, client_id, client_secret, refresh_token, access_token, , expiry_time] = row(i);
    await service.client.request("PUT", "/v1/tokens", { id, user_name, client_id, client_secret, refresh_token, access_token, expiry_time });
  }
  const file = path.join(service.dir, `sdk_tokens_${n}.txt`);
  fs.writeFileSync(file, [COLUMNS.join(","), ...Array.from({ length: n }, (_, i) => row(i).join(","))].join("\n"));
  const vs = new VaultStore({ socket: service.socket });
  const fsStore = new SDK.FileStore(file);
  await time(vs, n); // warm-up
  const v = await time(vs, n);
  const f = await time(fsStore, n);
  vs.close();
  console.log(`${n} | ${v.median.toFixed(0)} | ${v.p99.toFixed(0)} | ${f.median.toFixed(0)} | ${f.p99.toFixed(0)}`);
}
await service.stop();
