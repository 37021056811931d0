import type { TokenStore } from "@zohocrm/typescript-sdk-8.0/dist/models/authenticator/store/token_store";
import type { Token } from "@zohocrm/typescript-sdk-8.0/dist/models/authenticator/token";
import type { VaultStoreTokenOptions } from "./index.js";
export { ServiceClient, ServiceError, defaultSocketPath, VaultStoreOptions } from "./lib/client.js";

/** The TypeScript SDK's TokenStore on the tokenvault token service. */
export declare class VaultStore implements TokenStore {
  constructor(options?: VaultStoreTokenOptions);
  readonly endpoint: string;
  findToken(token: Token): Promise<Token | null>;
  findTokenById(id: string): Promise<Token>;
  saveToken(token: Token): Promise<void>;
  deleteToken(id: string): Promise<void>;
  getTokens(): Promise<Array<Token>>;
  deleteTokens(): Promise<void>;
  close(): void;
}
export default VaultStore;
