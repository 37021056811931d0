// tokenvault for the Zoho CRM Node.js SDK (@zohocrm/nodejs-sdk-8.0): a TokenStore on the
// tokenvault token service. `.store(new VaultStore())` in place of `.store(new FileStore(...))`.
import * as SDK from "@zohocrm/nodejs-sdk-8.0";
import { makeVaultStore } from "./lib/adapter.js";

// The SDK exports TokenStore as a module namespace: the class is TokenStore.TokenStore.
const Base = SDK.TokenStore && typeof SDK.TokenStore.TokenStore === "function" ? SDK.TokenStore.TokenStore : SDK.TokenStore;

export const VaultStore = makeVaultStore(
  { OAuthToken: SDK.OAuthToken, UserSignature: SDK.UserSignature, SDKException: SDK.SDKException },
  Base,
);
export { ServiceClient, ServiceError, defaultSocketPath } from "./lib/client.js";
export default VaultStore;
