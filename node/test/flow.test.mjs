// The Node.js and TypeScript SDKs' own token flow (OAuthToken.getToken, remove, revoke) on
// VaultStore, run in worker processes (test/workers/sdk-worker.mjs), with Zoho's accounts
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
let otherCalls = []; // any other request to the stub (revoke, API calls): "METHOD path"
let delayMs = 0;

// The one refresh token the stub refuses (Zoho's answer for a revoked or wrong token).
const BAD_REFRESH = "1000.rt.bad-refresh-token";

before(async () => {
  service = await startService({ lease: 10 });
  stub = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/oauth/v2/token") {
        if (body.includes("authorization_code")) {
          // A grant token's exchange.
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ access_token: "1000.at.granted-secret", refresh_token: "1000.rt.granted-secret", expires_in: 3600, token_type: "Bearer" }));
          return;
        }
        assert.match(body, /refresh_token/);
        if (body.includes(BAD_REFRESH)) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: "invalid_code" }));
          return;
        }
        const n = ++refreshCalls;
        setTimeout(() => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ access_token: `1000.at.refreshed.${n}`, expires_in: 3600, token_type: "Bearer" }));
        }, delayMs);
      } else {
        otherCalls.push(`${req.method} ${req.url}`);
        res.writeHead(404, { "content-type": "application/json" });
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

// Starts n workers (test/workers/sdk-worker.mjs, one JSON config each), waits until every one
// has initialized the SDK, runs `between` (e.g. expiring the stored token), then lets them all go
// at once. A worker whose initialize threw answers at once (init_error) and is not sent "go".
async function runMany(n, cfg, between = async () => {}) {
  const children = [];
  const ready = [];
  const done = [];
  for (let i = 0; i < n; i++) {
    const child = fork(WORKER, [JSON.stringify({ base, ...cfg })], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.push(child);
    let out = null;
    ready.push(new Promise((r) => child.on("message", (m) => (m.ready || m.init_error) && r(m))));
    done.push(
      new Promise((resolve, reject) => {
        child.on("message", (m) => {
          if (!m.ready) out = m;
        });
        // "close" (the process ended and its stdio and IPC channel closed), and a moment more:
        // under load "exit" can come before the worker's last message is read.
        child.on("close", (code) =>
          setTimeout(() => (code === 0 && out ? resolve(out) : reject(new Error(`worker exited ${code}${out ? "" : " without its answer"}`))), out ? 0 : 500),
        );
      }),
    );
  }
  const states = await Promise.all(ready);
  await between();
  // Every worker starts its operation at the same wall-clock time, 100 ms (+ 10 ms per worker)
  // after the last "go" is sent.
  const at = Date.now() + 100 + 10 * n;
  children.forEach((c, i) => states[i].ready && c.send({ go: true, at }));
  return Promise.all(done);
}
const run = async (cfg) => (await runMany(1, cfg))[0];

async function stored() {
  const a = await service.client.request("GET", "/v1/tokens");
  return a.body.tokens;
}

// The stored token's expiry set through the service (as another process's save would).
async function setExpiry(ms) {
  const [t] = await stored();
  const a = await service.client.request("PUT", "/v1/tokens", { ...t, expiry_time: String(ms) });
  assert.equal(a.status, 200);
}
const expire = () => setExpiry(Date.now() - 60_000);

const ANN = { user: "ann@zylker.com", client_id: "1000.CLIENT", client_secret: "client-secret-xyz", refresh_token: "1000.rt.flow" };
const vault = (sdk, mode, extra = {}) => ({ sdk, kind: "vault", where: service.socket, mode, ...extra });
const noStoreCalls = { findToken: 0, findTokenById: 0, saveToken: 0, deleteToken: 0, getTokens: 0, deleteTokens: 0 };

for (const [label, sdk] of [
  ["Node.js", "node"],
  ["TypeScript", "ts"],
]) {
  test(`${label} SDK: first start saves one token; a restart reuses the stored access token`, async () => {
    await service.client.request("DELETE", "/v1/tokens");
    refreshCalls = 0;
    const first = await run(vault(sdk, "get-token"));
    assert.equal(first.error, undefined);
    assert.equal(refreshCalls, 1);
    assert.equal(first.access_token, "1000.at.refreshed.1");
    let tokens = await stored();
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0].id, "1");
    assert.equal(tokens[0].user_name, "ann@zylker.com");
    assert.equal(tokens[0].access_token, "1000.at.refreshed.1");
    assert.match(tokens[0].expiry_time, /^\d{13}$/);
    assert.ok(Number(tokens[0].expiry_time) > Date.now() + 3_000_000);
    const second = await run(vault(sdk, "get-token"));
    assert.equal(second.access_token, "1000.at.refreshed.1");
    assert.equal(refreshCalls, 1, "no refresh for a valid stored token");
    assert.equal((await stored()).length, 1);
    // No secret and no user name in the vault file.
    const raw = fs.readFileSync(service.vault);
    for (const v of ["client-secret-xyz", "1000.rt.flow", "1000.at.refreshed.1", "ann@zylker.com"]) assert.equal(raw.indexOf(v), -1, `${v.slice(0, 6)}… not in the vault file`);
  });

  test(`${label} SDK: a restart by refresh token (no user name) reuses the stored access token`, async () => {
    refreshCalls = 0;
    const r = await run(vault(sdk, "get-token", { token: { client_id: ANN.client_id, client_secret: ANN.client_secret, refresh_token: ANN.refresh_token } }));
    assert.equal(r.error, undefined);
    assert.equal(r.init_access_token, "1000.at.refreshed.1", "the initialize found the stored token");
    assert.equal(r.access_token, "1000.at.refreshed.1");
    assert.equal(refreshCalls, 0, "no refresh call");
    assert.ok(r.calls.findToken >= 1, "looked up by findToken");
    assert.equal(r.calls.saveToken, 0, "nothing saved");
    const tokens = await stored();
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0].user_name, "ann@zylker.com", "the stored user name kept");
  });

  test(`${label} SDK: a restart by id reuses the stored access token`, async () => {
    refreshCalls = 0;
    const r = await run(vault(sdk, "get-token", { token: { id: "1" } }));
    assert.equal(r.error, undefined);
    assert.equal(r.init_access_token, "1000.at.refreshed.1");
    assert.equal(r.access_token, "1000.at.refreshed.1");
    assert.equal(refreshCalls, 0, "no refresh call");
    assert.ok(r.calls.findTokenById >= 1, "looked up by findTokenById");
    assert.equal(r.calls.findToken, 0);
    assert.equal(r.calls.saveToken, 0, "nothing saved");
    assert.equal((await stored()).length, 1);
  });

  test(`${label} SDK: an expired token is refreshed once and saved in place`, async () => {
    await expire();
    refreshCalls = 0;
    const r = await run(vault(sdk, "get-token"));
    assert.equal(r.error, undefined);
    assert.equal(refreshCalls, 1);
    assert.equal(r.access_token, "1000.at.refreshed.1");
    const tokens = await stored();
    assert.equal(tokens.length, 1);
    assert.equal(tokens[0].id, "1");
    assert.equal(tokens[0].access_token, "1000.at.refreshed.1");
    assert.ok(Number(tokens[0].expiry_time) > Date.now() + 3_000_000);
    // The same by id: the SDK finds it through findTokenById, refreshes once, saves in place.
    await expire();
    refreshCalls = 0;
    const byId = await run(vault(sdk, "get-token", { token: { id: "1" } }));
    assert.equal(byId.error, undefined);
    assert.equal(refreshCalls, 1);
    assert.equal(byId.access_token, "1000.at.refreshed.1");
    const after = await stored();
    assert.equal(after.length, 1);
    assert.ok(Number(after[0].expiry_time) > Date.now() + 3_000_000);
  });

  // Both SDKs' revoke(id) (2.0.0 and 3.0.0) never gets a stored token, whatever the store: the
  // Node.js SDK throws before it calls the store (Reflect.construct(OAuthToken, null) is a
  // TypeError); the TypeScript SDK calls store.findToken(a token with only the id) without
  // awaiting it and reads the refresh token at once, so it finds none, revokes nothing and answers
  // false. Each is asserted with VaultStore and with the SDK's own FileStore (the same answer):
  // a divergence from the SDKs' documentation that no store fixes (docs/COMPAT.md).
  test(`${label} SDK: revoke(id) fails before it can use the store (as with the FileStore)`, async () => {
    const file = path.join(service.dir, `revoke-${sdk}.txt`);
    const [t] = await stored();
    fs.writeFileSync(file, [COLUMNS.join(","), COLUMNS.map((c) => t[c] ?? "").join(",")].join("\n") + "\n");
    for (const cfg of [vault(sdk, "revoke", { token: { id: "1" }, arg: "1" }), { sdk, kind: "file", where: file, mode: "revoke", token: { id: "1" }, arg: "1" }]) {
      otherCalls = [];
      const r = await run(cfg);
      assert.equal(r.init_error, undefined, `${cfg.kind}: initialized by id`);
      assert.equal(r.init_access_token, "1000.at.refreshed.1", `${cfg.kind}: the stored token found by id`);
      if (sdk === "node") {
        assert.equal(r.error?.name, "SDKException", `${cfg.kind}: revoke throws`);
        assert.equal(r.error.cause, "TypeError: CreateListFromArrayLike called on non-object");
        assert.deepEqual(r.calls_go, noStoreCalls, `${cfg.kind}: thrown before any store call`);
      } else {
        assert.equal(r.error, undefined);
        assert.equal(r.revoked, false, `${cfg.kind}: nothing revoked`);
        assert.deepEqual(r.calls_go, { ...noStoreCalls, findToken: 1 }, `${cfg.kind}: one findToken, not awaited`);
      }
      assert.deepEqual(otherCalls.filter((c) => c.includes("revoke")), [], `${cfg.kind}: no revoke request to Zoho`);
    }
    assert.equal((await stored()).length, 1, "the token is still stored");
  });

  test(`${label} SDK: remove() deletes the token by id`, async () => {
    const r = await run(vault(sdk, "remove", { token: { id: "1" } }));
    assert.equal(r.error, undefined);
    assert.equal(r.removed, true);
    assert.deepEqual(r.calls_go, { ...noStoreCalls, deleteToken: 1 });
    assert.deepEqual(await stored(), []);
  });
}

// The SDK's winston log at level ALL, through a whole flow with its error paths, holds no client
// secret, refresh, access or grant token; nor does any exception thrown through VaultStore (as
// util.inspect shows it, causes included).
const SECRETS = ["client-secret-xyz", "1000.rt.flow", "1000.rt.nouser-secret", "1000.at.refreshed.", "1000.gt.grant-secret", "1000.at.granted-secret", "1000.rt.granted-secret", BAD_REFRESH];
for (const [label, sdk] of [
  ["Node.js", "node"],
  ["TypeScript", "ts"],
]) {
  test(`${label} SDK: no secret in the SDK's log (level ALL) or in exceptions through VaultStore`, async () => {
    const log = path.join(service.dir, `sdk-${sdk}.log`);
    const logged = (cfg) => run({ ...cfg, log });
    await service.client.request("DELETE", "/v1/tokens");
    const runs = [];
    // First start by refresh token (refresh + save), a restart by id, an expired token refreshed.
    runs.push(await logged(vault(sdk, "get-token")));
    runs.push(await logged(vault(sdk, "get-token", { token: { id: "1" } })));
    await expire();
    runs.push(await logged(vault(sdk, "get-token", { token: { id: "1" } })));
    // A grant token exchanged (and saved).
    runs.push(await logged(vault(sdk, "get-token", { token: { user: "bob@zylker.com", client_id: "1000.CLIENT", client_secret: "client-secret-xyz", grant_token: "1000.gt.grant-secret" } })));
    // No user name: after the refresh the SDK asks Zoho's users API for it (an API call with the
    // access token, logged by the SDK); the stub answers 404, which the SDK logs as an error.
    runs.push(await logged(vault(sdk, "get-token", { token: { client_id: "1000.CLIENT", client_secret: "client-secret-xyz", refresh_token: "1000.rt.nouser-secret" } })));
    for (const r of runs) assert.equal(r.init_error, undefined, r.init_error?.message);
    assert.equal(runs[3].access_token, "1000.at.granted-secret");
    // Error paths: Zoho refuses the refresh token; an unknown id; the service unreachable.
    const refused = await logged(vault(sdk, "get-token", { token: { user: "carl@zylker.com", client_id: "1000.CLIENT", client_secret: "client-secret-xyz", refresh_token: BAD_REFRESH } }));
    assert.ok(refused.init_error, "the refused refresh throws");
    const unknown = await logged(vault(sdk, "get-token", { token: { id: "99" } }));
    assert.match(unknown.init_error?.inspected ?? "", /Given ID is invalid/);
    const gone = await logged({ ...vault(sdk, "get-token"), where: path.join(service.dir, "nope.sock") });
    assert.match(gone.init_error?.inspected ?? "", /VaultStore : [^]*unreachable/);
    const text = fs.readFileSync(log, "utf8");
    assert.match(text, /refresh|Refresh|REFRESH/, "the SDK logged the refreshes");
    assert.match(text, /level: 'error'|"level":"error"|\berror\b/, "the SDK logged an error");
    for (const v of SECRETS) {
      assert.equal(text.indexOf(v), -1, `${v.slice(0, 8)}… not in the SDK's log`);
      for (const e of [refused.init_error, unknown.init_error, gone.init_error]) assert.equal(e.inspected.indexOf(v), -1, `${v.slice(0, 8)}… not in the exception`);
    }
    console.log(`# ${label} SDK log: ${text.split("\n").length - 1} lines, no secret`);
  });
}

test("8 processes x 25 saves: 200/200 readable", async () => {
  await service.client.request("DELETE", "/v1/tokens");
  const results = await runMany(8, vault("node", "save", { arg: "25" }));
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

// Every worker initializes the SDK on a token that is valid (no refresh in the initialize), then
// the stored token is made expired through the service (as another host's clock would see it),
// and all N workers call getToken() at the same wall-clock time: each finds the expired token
// by id at once. Through VaultStore exactly one refreshes and saves; the others wait for its
// save and get the refreshed token. The SDK's FileStore, run the same way, is printed beside it.
for (const N of [8, 32]) {
  test(`${N} processes at one expired token: 1 refresh call through VaultStore (FileStore: printed beside it)`, async () => {
    delayMs = 300; // Zoho's answer takes a while: the other workers arrive while the first refreshes
    const OLD = { user_name: "ann@zylker.com", client_id: "1000.CLIENT", client_secret: "client-secret-xyz", refresh_token: "1000.rt.flow", access_token: "1000.at.old", api_domain: null };
    try {
      // VaultStore + service.
      await service.client.request("DELETE", "/v1/tokens");
      await service.client.request("PUT", "/v1/tokens", { ...OLD, expiry_time: String(Date.now() + 3_600_000) });
      refreshCalls = 0;
      const got = await runMany(N, vault("node", "get-token"), async () => {
        assert.equal(refreshCalls, 0, "no refresh in the initialize (the token was valid)");
        await expire();
      });
      const vaultCalls = refreshCalls;
      assert.ok(got.every((g) => g.error === undefined && g.init_access_token === "1000.at.old"), "every worker initialized on the valid token");
      assert.ok(got.every((g) => g.calls_go.findTokenById >= 1), "every worker looked the expired token up after go");
      const spread = Math.max(...got.map((g) => g.started_at)) - Math.min(...got.map((g) => g.started_at));
      assert.deepEqual([...new Set(got.map((g) => g.access_token))], ["1000.at.refreshed.1"], "every worker got the one refreshed token");
      assert.equal(got.reduce((a, g) => a + g.calls_go.saveToken, 0), 1, "one save (the one refresh)");
      const tokens = await stored();
      assert.equal(tokens.length, 1);
      assert.equal(tokens[0].access_token, "1000.at.refreshed.1");

      // The SDK's FileStore, same workers, same sequence.
      const file = path.join(service.dir, `sdk_tokens_${N}.txt`);
      const row = (expiry) => [COLUMNS.join(","), ["1", OLD.user_name, OLD.client_id, OLD.client_secret, OLD.refresh_token, OLD.access_token, "", String(expiry), "", ""].join(",")].join("\n") + "\n";
      fs.writeFileSync(file, row(Date.now() + 3_600_000));
      refreshCalls = 0;
      const fileGot = await runMany(N, { sdk: "node", kind: "file", where: file, mode: "get-token" }, async () => {
        assert.equal(refreshCalls, 0, "FileStore: no refresh in the initialize");
        fs.writeFileSync(file, row(Date.now() - 60_000));
      });
      const fileCalls = refreshCalls;
      assert.ok(fileGot.every((g) => g.error === undefined && g.access_token.startsWith("1000.at.refreshed.")));
      const fileSpread = Math.max(...fileGot.map((g) => g.started_at)) - Math.min(...fileGot.map((g) => g.started_at));
      console.log(`# ${N} processes at one expired token: refresh calls VaultStore ${vaultCalls}, FileStore ${fileCalls} (workers started within ${spread} ms / ${fileSpread} ms)`);
      assert.equal(vaultCalls, 1);
      assert.ok(fileCalls >= 1);
    } finally {
      delayMs = 0;
    }
  });
}
