// Compiled by `tsc --noEmit -p tsconfig.json` (npm test): the hand-written declarations
// (index.d.ts, typescript.d.ts, lib/client.d.ts) used the way an app uses them.
import { VaultStore, ServiceClient, ServiceError, defaultSocketPath, VaultStoreOptions } from "../../index.js";
import { VaultStore as TsVaultStore } from "../../typescript.js";
import { TokenStore } from "@zohocrm/typescript-sdk-8.0/dist/models/authenticator/store/token_store";
import { Token } from "@zohocrm/typescript-sdk-8.0/dist/models/authenticator/token";

const opts: VaultStoreOptions = { socket: "/run/tokenvault/tokenvault.sock", timeoutMs: 5000 };
const store = new VaultStore({ ...opts, coordinate: true });
const where: string = store.endpoint;
store.close();

// The TypeScript SDK's store contract: VaultStore is a TokenStore (the SDK's interface), and
// its own declarations are the narrower ones of README.md.
const ts: TokenStore = new TsVaultStore({ url: "http://127.0.0.1:8200", bearerTokenFile: "/etc/tokenvault/bearer" });
async function use(s: TsVaultStore, t: Token): Promise<Token | null> {
  await s.saveToken(t);
  const all: Token[] = await s.getTokens();
  await s.deleteToken("1");
  const byId: Token = await s.findTokenById("1");
  return all.length > 0 ? byId : s.findToken(t);
}
void use(new TsVaultStore(), {} as Token);
void ts;

const client = new ServiceClient({ env: { TOKENVAULT_SOCKET: "/tmp/s.sock" } });
client.request("GET", "/v1/health").then((a) => {
  const status: number = a.status;
  const retry: number | null = a.retryAfter;
  return [status, retry];
});
const e = new Error() as ServiceError;
const code: string = e.code;
const p: string = defaultSocketPath({ XDG_RUNTIME_DIR: "/x" });
export { where, code, p };
