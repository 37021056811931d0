// A worker process for the flow tests: initializes the Node.js SDK with a store (VaultStore on
// the socket in argv, or the SDK's FileStore on a file) and Zoho's accounts URL pointed at a
// local stub, then runs one mode:
//   get-token  : OAuthToken(user name, client id/secret, refresh token).getToken(); prints the access token
//   save N     : saves N distinct tokens through store.saveToken; prints their ids
import * as SDK from "@zohocrm/nodejs-sdk-8.0";
import { VaultStore } from "../../index.js";

const [kind, where, accountsBase, mode, arg] = process.argv.slice(2);
const store = kind === "vault" ? new VaultStore({ socket: where }) : new SDK.FileStore(where);
// An API domain no data center knows, so getToken keeps this environment (DataCenter.get).
const env = SDK.DataCenter.setEnvironment(`${accountsBase}/api`, `${accountsBase}/oauth/v2/token`, `${accountsBase}/upload`);
const token = new SDK.OAuthBuilder().clientId("1000.CLIENT").clientSecret("client-secret-xyz").refreshToken("1000.rt.flow").userSignature(new SDK.UserSignature("ann@zylker.com")).build();
await (await new SDK.InitializeBuilder())
  .environment(env)
  .token(token)
  .store(store)
  .logger(new SDK.LogBuilder().level(SDK.Levels.OFF).build())
  .initialize();

// Wait for the parent's "go" (so that all workers start their operation together).
if (process.send) {
  await new Promise((resolve) => {
    process.once("message", resolve);
    process.send({ ready: true });
  });
}
const out = {};
if (mode === "get-token") {
  out.access_token = await token.getToken();
} else if (mode === "save") {
  out.ids = [];
  for (let i = 0; i < Number(arg); i++) {
    const t = Reflect.construct(SDK.OAuthToken, []);
    t.setUserSignature(new SDK.UserSignature(`user-${process.pid}-${i}@zylker.com`));
    t.setClientId("1000.CLIENT");
    t.setClientSecret("client-secret-xyz");
    t.setRefreshToken(`1000.rt.${process.pid}.${i}`);
    t.setAccessToken(`1000.at.${process.pid}.${i}`);
    t.setExpiresIn(String(Date.now() + 3_600_000));
    await store.saveToken(t);
    out.ids.push(t.getId());
  }
}
if (kind === "vault") store.close();
process.send ? process.send(out, () => process.disconnect()) : console.log(JSON.stringify(out));
