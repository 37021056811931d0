// Test helpers: a vault in a temporary directory served by `tokenvault serve` on a Unix socket.
// The binary: $TOKENVAULT_BIN, else <repo>/target/debug/tokenvault (`cargo build -p tokenvault-cli`).
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ServiceClient } from "../lib/client.js";

export const NODE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = path.resolve(NODE_DIR, "..");
export const BIN = process.env.TOKENVAULT_BIN || path.join(REPO, "target", "debug", "tokenvault");
export const COLUMNS = ["id", "user_name", "client_id", "client_secret", "refresh_token", "access_token", "grant_token", "expiry_time", "redirect_url", "api_domain"];

export function tempDir(prefix = "tokenvault-node-") {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Creates a vault (key file generated) and starts `tokenvault serve` on a socket in a temp dir. */
export async function startService({ lease = null, extra = [] } = {}) {
  if (!fs.existsSync(BIN)) throw new Error(`tokenvault binary not found at ${BIN}: set TOKENVAULT_BIN or run cargo build -p tokenvault-cli`);
  const dir = tempDir();
  const vault = path.join(dir, "tokens.vault");
  const env = { ...process.env, TOKENVAULT_KEY_FILE: path.join(dir, "vault.key") };
  delete env.TOKENVAULT_SOCKET;
  delete env.TOKENVAULT_PATH;
  execFileSync(BIN, ["--vault", vault, "init", "--generate"], { env, stdio: "pipe" });
  const socket = path.join(dir, "s", "tokenvault.sock");
  const args = ["--vault", vault, "serve", "--socket", socket, ...(lease != null ? ["--refresh-lease", String(lease)] : []), ...extra];
  const child = spawn(BIN, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
  const client = new ServiceClient({ socket, timeoutMs: 2000 });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode != null) throw new Error(`tokenvault serve exited (${child.exitCode}): ${log}`);
    try {
      const a = await client.request("GET", "/v1/health");
      if (a.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`tokenvault serve did not answer on ${socket}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    dir,
    vault,
    socket,
    env,
    client,
    get log() {
      return log;
    },
    async stop() {
      client.close();
      if (child.exitCode == null) child.kill("SIGTERM");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A CSV row of a case (strings, "" for unset) as a service token (null for unset). */
export function rowToJson(row) {
  const t = {};
  COLUMNS.forEach((c, i) => (t[c] = row[i] === "" || row[i] == null ? null : row[i]));
  return t;
}

export function jsonToRow(t) {
  return COLUMNS.map((c) => (t[c] == null ? "" : t[c]));
}

/** Builds an SDK OAuthToken from a case's partial token ({field: value}); absent fields stay unset. */
export function makeToken(SDK, fields) {
  const t = Reflect.construct(SDK.OAuthToken, []);
  for (const [k, v] of Object.entries(fields || {})) {
    switch (k) {
      case "id": t.setId(v); break;
      case "user_name": t.setUserSignature(v == null ? null : new SDK.UserSignature(v)); break;
      case "client_id": t.setClientId(v); break;
      case "client_secret": t.setClientSecret(v); break;
      case "refresh_token": t.setRefreshToken(v); break;
      case "access_token": t.setAccessToken(v); break;
      case "grant_token": t.setGrantToken(v); break;
      case "expiry_time": t.setExpiresIn(v); break;
      case "redirect_url": t.setRedirectURL(v); break;
      case "api_domain": t.setAPIDomain(v); break;
      default: throw new Error(`unknown field ${k}`);
    }
  }
  return t;
}

/** An SDK token's ten fields, undefined read as null. */
export function tokenFields(t) {
  if (t == null) return null;
  const s = t.getUserSignature();
  const v = (x) => (x === undefined ? null : x);
  return {
    id: v(t.getId()),
    user_name: s == null ? null : v(s.getName()),
    client_id: v(t.getClientId()),
    client_secret: v(t.getClientSecret()),
    refresh_token: v(t.getRefreshToken()),
    access_token: v(t.getAccessToken()),
    grant_token: v(t.getGrantToken()),
    expiry_time: v(t.getExpiresIn()),
    redirect_url: v(t.getRedirectURL()),
    api_domain: v(t.getAPIDomain()),
  };
}

/** Runs one case operation on a store; returns the result in the cases' shape. */
export async function runOp(SDK, store, op) {
  let token = null;
  let result;
  try {
    switch (op.op) {
      case "find_token": {
        token = makeToken(SDK, op.token);
        const r = await store.findToken(token);
        result = r == null ? { kind: "none" } : { kind: "token", token: tokenFields(r), same_object: r === token };
        break;
      }
      case "find_token_by_id": {
        const r = await store.findTokenById(op.id);
        result = r == null ? { kind: "none" } : { kind: "token", token: tokenFields(r) };
        break;
      }
      case "save_token":
        token = makeToken(SDK, op.token);
        await store.saveToken(token);
        result = { kind: "ok" };
        break;
      case "delete_token":
        await store.deleteToken(op.id);
        result = { kind: "ok" };
        break;
      case "get_tokens":
        result = { kind: "tokens", tokens: (await store.getTokens()).map(tokenFields) };
        break;
      case "delete_tokens":
        await store.deleteTokens();
        result = { kind: "ok" };
        break;
      default:
        throw new Error(`unknown op ${op.op}`);
    }
  } catch (e) {
    if (!(e instanceof SDK.SDKException)) throw e;
    result = { kind: "error", code: e.code, message: e.message };
  }
  return { result, token_after: token == null ? null : tokenFields(token) };
}

export function loadPythonCases() {
  return JSON.parse(fs.readFileSync(path.join(REPO, "tests", "data", "compat", "filestore-cases.json"), "utf8"));
}
