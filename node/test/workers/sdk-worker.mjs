// A worker process for the flow tests and benchmarks: initializes the Node.js or TypeScript SDK
// with a store (VaultStore on the socket in the config, or the SDK's FileStore on a file) and
// Zoho's accounts URL pointed at a local stub, then runs one mode. Its one argument is a JSON
// config:
//   { sdk: "node" | "ts", kind: "vault" | "file", where, base, mode, arg,
//     token: { user, client_id, client_secret, refresh_token, grant_token, id } (default: ann's),
//     log: a file for the SDK's winston logger at level ALL (default: logging OFF) }
// Modes (each after the parent's "go", so that all workers start together):
//   get-token : token.getToken(); answers the access token
//   save N    : saves N distinct tokens through store.saveToken; answers their ids
//   remove    : token.remove()
//   revoke ID : token.revoke(ID)
//   none      : nothing (the initialize alone)
//   loop      : on every further "go", times one token.getToken() (µs) and answers it; "exit" ends
// Every answer carries `calls` (store method -> calls, counted from the initialize on; `*_go`:
// the calls after "go") and, when an operation threw, `error` (the exception as inspected, with
// its causes). An SDK error in the initialize is answered as `init_error` (no "go" is awaited).
import { createRequire } from "node:module";
import util from "node:util";

const cfg = JSON.parse(process.argv[2]);
const require = createRequire(import.meta.url);
const SDK = cfg.sdk === "ts" ? require("@zohocrm/typescript-sdk-8.0") : await import("@zohocrm/nodejs-sdk-8.0");
const { VaultStore } = cfg.sdk === "ts" ? await import("../../typescript.js") : await import("../../index.js");

const store = cfg.kind === "vault" ? new VaultStore({ socket: cfg.where }) : new SDK.FileStore(cfg.where);
const METHODS = ["findToken", "findTokenById", "saveToken", "deleteToken", "getTokens", "deleteTokens"];
const calls = Object.fromEntries(METHODS.map((m) => [m, 0]));
for (const m of METHODS) {
  const f = store[m].bind(store);
  store[m] = (...a) => {
    calls[m]++;
    return f(...a);
  };
}

const describe = (e) => ({
  name: e?.constructor?.name ?? typeof e,
  code: e?.code ?? null,
  message: String(e?.message ?? e),
  cause: e?.cause ? `${e.cause.constructor?.name}: ${e.cause.message}` : null,
  inspected: util.inspect(e, { depth: 10 }),
});

const spec = cfg.token ?? { user: "ann@zylker.com", client_id: "1000.CLIENT", client_secret: "client-secret-xyz", refresh_token: "1000.rt.flow" };
const b = new SDK.OAuthBuilder();
if (spec.id != null) b.id(spec.id);
if (spec.client_id != null) b.clientId(spec.client_id);
if (spec.client_secret != null) b.clientSecret(spec.client_secret);
if (spec.refresh_token != null) b.refreshToken(spec.refresh_token);
if (spec.grant_token != null) b.grantToken(spec.grant_token);
if (spec.user != null) b.userSignature(new SDK.UserSignature(spec.user));
const token = b.build();

// An API domain no data center knows, so getToken keeps this environment (DataCenter.get).
const env = SDK.DataCenter.setEnvironment(`${cfg.base}/api`, `${cfg.base}/oauth/v2/token`, `${cfg.base}/upload`);
const logger = cfg.log ? new SDK.LogBuilder().level(SDK.Levels.ALL).filePath(cfg.log).build() : new SDK.LogBuilder().level(SDK.Levels.OFF).build();

const out = { calls };
const send = (m) => new Promise((r) => process.send(m, r));
let initError = null;
try {
  await (await new SDK.InitializeBuilder()).environment(env).token(token).store(store).logger(logger).initialize();
} catch (e) {
  initError = e;
}
out.init_access_token = token.getAccessToken?.() ?? null;

if (initError) {
  out.init_error = describe(initError);
} else {
  // Wait for the parent's "go" ({go: true, at}: start at that wall-clock time, so that all
  // workers reach the store within the same few milliseconds).
  const go = await new Promise((resolve) => {
    process.once("message", resolve);
    process.send({ ready: true });
  });
  if (go && go.at) await new Promise((r) => setTimeout(r, Math.max(0, go.at - Date.now())));
  out.started_at = Date.now();
  const before = { ...calls };
  try {
    if (cfg.mode === "get-token") {
      out.access_token = await token.getToken();
    } else if (cfg.mode === "save") {
      out.ids = [];
      for (let i = 0; i < Number(cfg.arg); i++) {
        const t = Reflect.construct(SDK.OAuthToken, [null]);
        t.setUserSignature(new SDK.UserSignature(`user-${process.pid}-${i}@zylker.com`));
        t.setClientId("1000.CLIENT");
        t.setClientSecret("client-secret-xyz");
        t.setRefreshToken(`1000.rt.${process.pid}.${i}`);
        t.setAccessToken(`1000.at.${process.pid}.${i}`);
        t.setExpiresIn(String(Date.now() + 3_600_000));
        await store.saveToken(t);
        out.ids.push(t.getId());
      }
    } else if (cfg.mode === "remove") {
      out.removed = await token.remove();
    } else if (cfg.mode === "revoke") {
      out.revoked = await token.revoke(cfg.arg);
      // revoke() calls store.findToken without awaiting it: let that call settle.
      await new Promise((r) => setTimeout(r, 300));
    } else if (cfg.mode === "loop") {
      // First "go" consumed above; every round: a "go" message, one timed getToken().
      let msg = go;
      while (msg === "go" || (msg && msg.go)) {
        if (msg.at) await new Promise((r) => setTimeout(r, Math.max(0, msg.at - Date.now())));
        const t0 = process.hrtime.bigint();
        const at = await token.getToken();
        const us = Number(process.hrtime.bigint() - t0) / 1000;
        const next = new Promise((r) => process.once("message", r));
        await send({ us, access_token: at });
        msg = await next;
      }
    }
  } catch (e) {
    out.error = describe(e);
  }
  out.calls_go = Object.fromEntries(METHODS.map((m) => [m, calls[m] - before[m]]));
}
if (cfg.kind === "vault") store.close();
await send(out);
process.disconnect();
