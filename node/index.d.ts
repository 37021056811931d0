import { TokenStore, OAuthToken } from "@zohocrm/nodejs-sdk-8.0";
import type { VaultStoreOptions } from "./lib/client.js";
export { ServiceClient, ServiceError, defaultSocketPath, VaultStoreOptions } from "./lib/client.js";

export interface VaultStoreTokenOptions extends VaultStoreOptions {
  /** Coordinated finds (one refresh per expiry across processes). Default true. */
  coordinate?: boolean;
}

/** The Node.js SDK's TokenStore on the tokenvault token service. */
export declare class VaultStore extends TokenStore.TokenStore {
  constructor(options?: VaultStoreTokenOptions);
  /** unix:PATH or tcp:HOST:PORT */
  readonly endpoint: string;
  findToken(token: OAuthToken): Promise<OAuthToken | null>;
  findTokenById(id: string): Promise<OAuthToken>;
  saveToken(token: OAuthToken): Promise<void>;
  deleteToken(id: string): Promise<void>;
  getTokens(): Promise<OAuthToken[]>;
  deleteTokens(): Promise<void>;
  /** Closes the kept-alive connections. */
  close(): void;
}
export default VaultStore;
