// The Node.js SDK's own token flow (OAuthToken.getToken) on VaultStore, with Zoho's accounts
// server replaced by a local HTTP stub: the SDK's environment is built with
// DataCenter.setEnvironment(url, accountsUrl, ...) and the tokens carry no known API domain, so
// getToken keeps that environment and posts its refresh to the stub.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startService, COLUMNS } from "./helpers.mjs";

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), "workers", "sdk-worker.mjs");

let service, stub, base;
let refreshCalls = 0;
let delayMs = 0;

before(async () => {
  service = await startService({ lease: 10 });
  stub = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/oauth/v2/token") {
        const n = ++refreshCalls;
        assert.match(body, /refresh_token/);
        setTimeout(() => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ access_token: `1000.at.refreshed.${n}`, expires_in: 3600, token_type: "Bearer" }));
        }, delayMs);
      } else {
        res.writeHead(404);
        res.end("{}");
      }
    });
  });
  await new Promise((r) => stub.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${stub.address().port}`;
});
after(async () => {
  await service?.stop();
  await new Promise((r) => stub.close(r));
});

// Starts n workers, waits until every one has initialized the SDK, then lets them all go at once.
async function runMany(n, kind, where, mode, arg = "") {
  const children = [];
  const ready = [];
  const done = [];
  for (let i = 0; i < n; i++) {
    const child = fork(WORKER, [kind, where, base, mode, arg], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.push(child);
    let out = null;
    ready.push(new Promise((r) => child.once("message", r)));
    done.push(
      new Promise((resolve, reject) => {
        child.on("message", (m) => {
          if (!m.ready) out = m;
        });
        child.on("exit", (code) => (code === 0 && out ? resolve(out) : reject(new Error(`worker exited ${code}`))));
      }),
    );
  }
  await Promise.all(ready);
  for (const c of children) c.send("go");
  return Promise.all(done);
}
const run = async (kind, where, mode, arg) => (await runMany(1, kind, where, mode, arg))[0];

async function stored() {
  const a = await service.client.request("GET", "/v1/tokens");
  return a.body.tokens;
}

test("first start saves one token; a restart reuses the stored access token", async () => {
  await service.client.request("DELETE", "/v1/tokens");
  refreshCalls = 0;
  const first = await run("vault", service.socket, "get-token");
  assert.equal(refreshCalls, 1);
  assert.equal(first.access_token, "1000.at.refreshed.1");
  let tokens = await stored();
  assert.equal(tokens.length, 1);
  assert.equal(tokens[0].id, "1");
  assert.equal(tokens[0].user_name, "ann@zylker.com");
  assert.equal(tokens[0].access_token, "1000.at.refreshed.1");
  assert.match(tokens[0].expiry_time, /^\d{13}$/);
  assert.ok(Number(tokens[0].expiry_time) > Date.now() + 3_000_000);
  const second = await run("vault", service.socket, "get-token");
  assert.equal(second.access_token, "1000.at.refreshed.1");
  assert.equal(refreshCalls, 1, "no refresh for a valid stored token");
  assert.equal((await stored()).length, 1);
  // No secret and no user name in the vault file.
  const raw = fs.readFileSync(service.vault);
  for (const v of ["client-secret-xyz", "1000.rt.flow", "1000.at.refreshed.1", "ann@zylker.com"]) assert.equal(raw.indexOf(v), -1, `${v.slice(0, 6)}… not in the vault file`);
});

async function expire() {
  const [t] = await stored();
  const a = await service.client.request("PUT", "/v1/tokens", { ...t, expiry_time: String(Date.now() - 60_000) });
  assert.equal(a.status, 200);
}

test("an expired token is refreshed once and saved in place", async () => {
  await expire();
  refreshCalls = 0;
  const r = await run("vault", service.socket, "get-token");
  assert.equal(refreshCalls, 1);
  assert.equal(r.access_token, "1000.at.refreshed.1");
  const tokens = await stored();
  assert.equal(tokens.length, 1);
  assert.equal(tokens[0].id, "1");
  assert.equal(tokens[0].access_token, "1000.at.refreshed.1");
  assert.ok(Number(tokens[0].expiry_time) > Date.now() + 3_000_000);
});

test("8 processes x 25 saves: 200/200 readable", async () => {
  await service.client.request("DELETE", "/v1/tokens");
  const results = await runMany(8, "vault", service.socket, "save", "25");
  const ids = results.flatMap((r) => r.ids);
  assert.equal(ids.length, 200);
  assert.equal(new Set(ids).size, 200, "every save got its own id");
  const tokens = (await stored()).filter((t) => t.user_name.startsWith("user-"));
  assert.equal(tokens.length, 200);
  let readable = 0;
  for (const id of ids) if ((await service.client.request("GET", `/v1/tokens/${id}?coordinate=false`)).status === 200) readable++;
  assert.equal(readable, 200);
  console.log(`# 8 x 25 saves: ${readable}/200 readable through VaultStore`);
});

test("8 processes at one expired token: 1 refresh call (FileStore: printed beside it)", async () => {
  const N = 8;
  delayMs = 300; // a slow Zoho keeps the others arriving while the first refreshes
  try {
    // VaultStore + service.
    await service.client.request("DELETE", "/v1/tokens");
    await service.client.request("PUT", "/v1/tokens", { user_name: "ann@zylker.com", client_id: "1000.CLIENT", client_secret: "client-secret-xyz", refresh_token: "1000.rt.flow", access_token: "1000.at.old", expiry_time: String(Date.now() - 60_000), api_domain: null });
    refreshCalls = 0;
    const got = await runMany(N, "vault", service.socket, "get-token");
    const vaultCalls = refreshCalls;
    assert.ok(got.every((g) => g.access_token === "1000.at.refreshed.1"), "every worker got the one refreshed token");
    assert.equal((await stored()).length, 1);

    // The SDK's FileStore, same workers.
    const file = path.join(service.dir, "sdk_tokens.txt");
    fs.writeFileSync(file, [COLUMNS.join(","), ["1", "ann@zylker.com", "1000.CLIENT", "client-secret-xyz", "1000.rt.flow", "1000.at.old", "", String(Date.now() - 60_000), "", ""].join(",")].join("\n"));
    refreshCalls = 0;
    await runMany(N, "file", file, "get-token");
    const fileCalls = refreshCalls;
    console.log(`# ${N} processes at one expired token: refresh calls VaultStore ${vaultCalls}, FileStore ${fileCalls}`);
    assert.equal(vaultCalls, 1);
  } finally {
    delayMs = 0;
  }
});
