/** Options of VaultStore and ServiceClient. */
export interface VaultStoreOptions {
  /** The service's Unix socket. Default: $TOKENVAULT_SOCKET, else $XDG_RUNTIME_DIR/tokenvault.sock, else /run/tokenvault/tokenvault.sock. */
  socket?: string;
  /** Loopback TCP instead of the socket: "http://127.0.0.1:PORT" (needs bearerTokenFile). */
  url?: string;
  /** The bearer token's file (first line); default $TOKENVAULT_BEARER_TOKEN_FILE. Only with url. */
  bearerTokenFile?: string;
  /** Per-request timeout in ms (default 30000; keep it above the service's --refresh-lease). */
  timeoutMs?: number;
  /** Connections kept alive at most (default 16). */
  maxSockets?: number;
  /** Environment to read the defaults from (default process.env). */
  env?: Record<string, string | undefined>;
}

export declare function defaultSocketPath(env?: Record<string, string | undefined>): string;

export declare class ServiceError extends Error {
  /** The protocol's error code (docs/PROTOCOL.md §Errors), or unreachable / timeout / configuration. */
  code: string;
  status: number | null;
}

export interface ServiceAnswer {
  status: number;
  body: any;
  retryAfter: number | null;
}

export declare class ServiceClient {
  constructor(options?: VaultStoreOptions);
  readonly where: string;
  request(method: string, path: string, body?: unknown): Promise<ServiceAnswer>;
  close(): void;
}
