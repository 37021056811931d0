import { TokenStore, OAuthToken } from "@zohocrm/nodejs-sdk-8.0";
import type { VaultStoreOptions } from "./lib/client.js";
export { ServiceClient, ServiceError, defaultSocketPath, VaultStoreOptions } from "./lib/client.js";

/** The SDK's OAuthToken (a value in the SDK's exports; the SDK ships no declarations, so `any` unless the app declares them). */
type SDKOAuthToken = InstanceType<typeof OAuthToken>;

export interface VaultStoreTokenOptions extends VaultStoreOptions {
  /** Coordinated finds (one refresh per expiry across processes). Default true. */
  coordinate?: boolean;
}

/** The Node.js SDK's TokenStore on the tokenvault token service. */
export declare class VaultStore extends TokenStore.TokenStore {
  constructor(options?: VaultStoreTokenOptions);
  /** unix:PATH or tcp:HOST:PORT */
  readonly endpoint: string;
  findToken(token: SDKOAuthToken): Promise<SDKOAuthToken | null>;
  findTokenById(id: string): Promise<SDKOAuthToken>;
  saveToken(token: SDKOAuthToken): Promise<void>;
  deleteToken(id: string): Promise<void>;
  getTokens(): Promise<SDKOAuthToken[]>;
  deleteTokens(): Promise<void>;
  /** Closes the kept-alive connections. */
  close(): void;
}
export default VaultStore;
