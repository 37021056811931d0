// The six TokenStore methods through real SDK OAuthToken objects (Node.js and TypeScript SDKs),
// the FileStores' error texts, and no secret in any exception message.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import * as NodeSDK from "@zohocrm/nodejs-sdk-8.0";
import { VaultStore as NodeVaultStore } from "../index.js";
import { VaultStore as TsVaultStore } from "../typescript.js";
import { execFileSync } from "node:child_process";
import { startService, makeToken, tokenFields, BIN } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const TsSDK = require("@zohocrm/typescript-sdk-8.0");

let service;
before(async () => {
  service = await startService();
});
after(async () => {
  await service?.stop();
});

// Expiries an hour ahead: not due, so coordinated finds take no refresh lease.
const FUTURE = String(Date.now() + 3_600_000);
const FUTURE2 = String(Date.now() + 7_200_000);
const SECRET = { client_secret: "s3cr3t-client-secret", refresh_token: "1000.rt.SECRET", access_token: "1000.at.SECRET" };

for (const [label, SDK, VaultStore] of [
  ["Node.js", NodeSDK, NodeVaultStore],
  ["TypeScript", TsSDK, TsVaultStore],
]) {
  test(`${label}: the six methods`, async () => {
    const store = new VaultStore({ socket: service.socket });
    try {
      await store.deleteTokens();
      assert.deepEqual(await store.getTokens(), []);
      const blankCreds = label === "TypeScript" ? "" : null;

      // saveToken sets the id on the passed token.
      const t1 = makeToken(SDK, { user_name: "ann@zylker.com", client_id: "1000.CID", ...SECRET, expiry_time: FUTURE, api_domain: "https://www.zohoapis.com" });
      await store.saveToken(t1);
      assert.equal(t1.getId(), "1");
      const t2 = makeToken(SDK, { access_token: "1000.at.two" });
      await store.saveToken(t2);
      assert.equal(t2.getId(), "2");

      // findToken fills the passed token's empty fields and returns that same object.
      const q = makeToken(SDK, { user_name: "ann@zylker.com" });
      const found = await store.findToken(q);
      assert.equal(found, q);
      assert.deepEqual(tokenFields(found), { id: "1", user_name: "ann@zylker.com", client_id: "1000.CID", client_secret: SECRET.client_secret, refresh_token: SECRET.refresh_token, access_token: SECRET.access_token, grant_token: null, expiry_time: FUTURE, redirect_url: null, api_domain: "https://www.zohoapis.com" });
      assert.equal(typeof found.getExpiresIn(), "string");
      assert.ok(found.getUserSignature() instanceof SDK.UserSignature);
      // Given fields are kept, "" included.
      const q2 = makeToken(SDK, { user_name: "ann@zylker.com", client_id: "" });
      await store.findToken(q2);
      assert.equal(q2.getClientId(), "");
      // Not found: null.
      assert.equal(await store.findToken(makeToken(SDK, { user_name: "zed@zylker.com" })), null);
      // Not an OAuthToken: returned as is, as the FileStore does.
      const other = { not: "a token" };
      assert.equal(await store.findToken(other), other);

      // findTokenById: a new OAuthToken.
      const byId = await store.findTokenById("2");
      assert.ok(byId instanceof SDK.OAuthToken);
      assert.deepEqual(tokenFields(byId), { id: "2", user_name: null, client_id: blankCreds, client_secret: blankCreds, refresh_token: null, access_token: "1000.at.two", grant_token: null, expiry_time: null, redirect_url: null, api_domain: null });

      // saveToken with an id updates in place; null fields are filled from the stored token.
      const upd = makeToken(SDK, { id: "1", access_token: "1000.at.NEW", expiry_time: FUTURE2 });
      await store.saveToken(upd);
      assert.equal(upd.getRefreshToken(), SECRET.refresh_token);
      const all = await store.getTokens();
      assert.deepEqual(all.map((t) => [t.getId(), t.getAccessToken(), t.getExpiresIn() ?? null]), [["1", "1000.at.NEW", FUTURE2], ["2", "1000.at.two", null]]);
      assert.ok(all.every((t) => t instanceof SDK.OAuthToken));

      await store.deleteToken("2");
      assert.deepEqual((await store.getTokens()).map((t) => t.getId()), ["1"]);
      await store.deleteTokens();
      assert.deepEqual(await store.getTokens(), []);
    } finally {
      store.close();
    }
  });

  test(`${label}: the FileStore's error texts, no secret in messages`, async () => {
    const store = new VaultStore({ socket: service.socket });
    try {
      await store.deleteTokens();
      const check = async (promise, message) => {
        await assert.rejects(promise, (e) => {
          assert.ok(e instanceof SDK.SDKException, "an SDKException");
          assert.equal(e.code, "TOKEN_STORE");
          if (message instanceof RegExp) assert.match(e.message, message);
          else assert.equal(e.message, message);
          for (const v of Object.values(SECRET)) assert.ok(!String(e.message).includes(v) && !String(e.cause?.message ?? "").includes(v), "no secret in the message");
          return true;
        });
      };
      await check(store.findTokenById("99"), "Exception in getTokenById - FileStore : Given ID is invalid");
      await check(store.findTokenById("007"), "Exception in getTokenById - FileStore : Given ID is invalid");
      await check(store.deleteToken("99"), "Exception in getTokenById - FileStore : Given ID is invalid");
      await check(store.saveToken(makeToken(SDK, { user_name: "ann@zylker.com", client_id: "c", client_secret: SECRET.client_secret })), "Exception in FileStore : Given user authentication details not found.");
      await check(store.saveToken(makeToken(SDK, { id: "abc", ...SECRET })), /^Exception in VaultStore : Given id "abc" is not a decimal number/);
      assert.deepEqual(await store.getTokens(), [], "nothing stored by the refused saves");

      // The service unreachable: the generic text, with the cause (no token value).
      const gone = new VaultStore({ socket: path.join(service.dir, "nope.sock") });
      await check(gone.findToken(makeToken(SDK, { user_name: "ann@zylker.com", ...SECRET })), /^Exception in findToken - VaultStore : .*unreachable.*ENOENT/);
      await check(gone.saveToken(makeToken(SDK, { user_name: "ann@zylker.com", ...SECRET })), /^Exception in saveToken - VaultStore : /);
      await check(gone.getTokens(), /^Exception in getTokens - VaultStore : /);
      gone.close();
    } finally {
      store.close();
    }
  });
}

test("options: TOKENVAULT_SOCKET, then XDG_RUNTIME_DIR, then /run/tokenvault", async () => {
  const { defaultSocketPath } = await import("../lib/client.js");
  assert.equal(defaultSocketPath({ TOKENVAULT_SOCKET: "/a.sock", XDG_RUNTIME_DIR: "/x" }), "/a.sock");
  assert.equal(defaultSocketPath({ XDG_RUNTIME_DIR: "/x" }), "/x/tokenvault.sock");
  assert.equal(defaultSocketPath({ XDG_RUNTIME_DIR: "" }), "/run/tokenvault/tokenvault.sock");
  assert.equal(defaultSocketPath({}), "/run/tokenvault/tokenvault.sock");
  const s = new NodeVaultStore({ env: { TOKENVAULT_SOCKET: service.socket } });
  assert.equal(s.endpoint, `unix:${service.socket}`);
  assert.equal((await s.getTokens()).length >= 0, true);
  s.close();
});

test("loopback TCP with a bearer token", async (t) => {
  const port = 20000 + Math.floor(Math.random() * 30000);
  const tokenFile = path.join(service.dir, "bearer");
  fs.writeFileSync(tokenFile, "b".repeat(8) + "-bearer-token-0123456789\n", { mode: 0o600 });
  const tcp = await startService({ extra: ["--listen", `127.0.0.1:${port}`, "--bearer-token-file", tokenFile] }).catch((e) => {
    t.skip(`cannot listen on port ${port}: ${e.message.slice(0, 200)}`);
    return null;
  });
  if (!tcp) return;
  try {
    const store = new NodeVaultStore({ url: `http://127.0.0.1:${port}`, bearerTokenFile: tokenFile });
    const tok = makeToken(NodeSDK, { user_name: "ann@zylker.com", ...SECRET });
    await store.saveToken(tok);
    assert.equal(tok.getId(), "1");
    assert.equal((await store.getTokens()).length, 1);
    store.close();
    const wrongFile = path.join(service.dir, "wrong");
    fs.writeFileSync(wrongFile, "w".repeat(30), { mode: 0o600 });
    const wrong = new NodeVaultStore({ url: `http://127.0.0.1:${port}`, bearerTokenFile: wrongFile });
    await assert.rejects(wrong.getTokens(), (e) => e instanceof NodeSDK.SDKException && /unauthorized/.test(e.message) && !e.message.includes("w".repeat(30)));
    wrong.close();
  } finally {
    await tcp.stop();
  }
});

// `tokenvault import` reads the file each SDK's own FileStore writes (Node.js: `user_name`;
// TypeScript: `user_mail` as its second column), while the service serves the vault.
for (const [label, SDK, VaultStore] of [
  ["Node.js", NodeSDK, NodeVaultStore],
  ["TypeScript", TsSDK, TsVaultStore],
]) {
  test(`${label}: the file its FileStore writes imports into the served vault`, async () => {
    const store = new VaultStore({ socket: service.socket });
    try {
      await store.deleteTokens();
      const file = path.join(service.dir, `${label}-sdk_tokens.txt`);
      fs.rmSync(file, { force: true });
      const fileStore = new (SDK.FileStore.FileStore ?? SDK.FileStore)(file);
      await fileStore.saveToken(
        makeToken(SDK, { user_name: "ann@zylker.com", client_id: "1000.C", ...SECRET, expiry_time: FUTURE, api_domain: "https://www.zohoapis.com" }),
      );
      await fileStore.saveToken(makeToken(SDK, { client_id: "1000.C", client_secret: "cs", grant_token: "1000.gt.bob" }));
      const header = fs.readFileSync(file, "utf8").split(/\r?\n/)[0];
      assert.match(header, label === "TypeScript" ? /^id,user_mail,/ : /^id,user_name,/);

      execFileSync(BIN, ["--vault", service.vault, "import", file], { env: service.env, stdio: "pipe" });

      const ann = await store.findTokenById("1");
      assert.equal(ann.getUserSignature().getName(), "ann@zylker.com");
      assert.equal(ann.getRefreshToken(), SECRET.refresh_token);
      assert.equal((await store.findTokenById("2")).getGrantToken(), "1000.gt.bob");
      assert.equal((await store.getTokens()).length, 2);
    } finally {
      store.close?.();
    }
  });
}
