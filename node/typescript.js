// tokenvault for the Zoho CRM TypeScript SDK (@zohocrm/typescript-sdk-8.0, CommonJS): the same
// VaultStore as the Node.js entry, bound to that SDK's classes. Its TokenStore is an interface
// (no runtime class), so this VaultStore extends nothing and implements the six methods.
import { createRequire } from "node:module";
import { makeVaultStore } from "./lib/adapter.js";

const require = createRequire(import.meta.url);
const SDK = require("@zohocrm/typescript-sdk-8.0");

export const VaultStore = makeVaultStore(
  { OAuthToken: SDK.OAuthToken, UserSignature: SDK.UserSignature, SDKException: SDK.SDKException, emptyClientCredentials: true },
  class {},
);
export { ServiceClient, ServiceError, defaultSocketPath } from "./lib/client.js";
export default VaultStore;
