// The token service's client: HTTP/1.1 + JSON over a Unix socket (or loopback TCP with a bearer
// token), kept-alive connections, bounded retries of the answers the protocol marks retryable.
// docs/PROTOCOL.md is the contract. No runtime dependency beyond Node.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

/** The service's default socket path, as `tokenvault serve` chooses it (PROTOCOL.md §Transport). */
export function defaultSocketPath(env = process.env) {
  if (env.TOKENVAULT_SOCKET) return env.TOKENVAULT_SOCKET;
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, "tokenvault.sock");
  return "/run/tokenvault/tokenvault.sock";
}

/**
 * An error answer of the service, or a failure to reach it. `code` is the protocol's error code
 * (`id_not_found`, `busy`, …) or, for a transport failure, `unreachable` / `timeout` /
 * `bad_answer`. The message never holds a token value: the service's messages hold none, and
 * this client adds only the method, the path's shape and the status.
 */
export class ServiceError extends Error {
  constructor(code, message, status = null, options = undefined) {
    super(message, options);
    this.name = "ServiceError";
    this.code = code;
    this.status = status;
  }
  toString() {
    return `${this.name}: ${this.code}${this.status != null ? ` (${this.status})` : ""}: ${this.message}`;
  }
}

const DEFAULT_TIMEOUT_MS = 30_000; // longer than the service's longest refresh wait (60 s max lease is rare; 10 s default)
const MAX_RETRIES = 3;

function readBearerToken(file) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ServiceError("configuration", `cannot read the bearer token file ${file}: ${e.code || e.message}`);
  }
  const token = text.split("\n", 1)[0].trim();
  if (token.length === 0) throw new ServiceError("configuration", `the bearer token file ${file} is empty`);
  return token;
}

export class ServiceClient {
  /**
   * @param {{socket?: string, url?: string, bearerTokenFile?: string, timeoutMs?: number,
   *          maxSockets?: number, env?: NodeJS.ProcessEnv}} [options]
   */
  constructor(options = {}) {
    const env = options.env ?? process.env;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new ServiceError("configuration", "timeoutMs must be a positive number");
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 });
    if (options.url != null && options.socket != null) {
      throw new ServiceError("configuration", "give either socket or url, not both");
    }
    if (options.url != null) {
      const u = new URL(options.url);
      if (u.protocol !== "http:") throw new ServiceError("configuration", `url must be http://127.0.0.1:PORT (got protocol ${u.protocol})`);
      this.target = { host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port || 80) };
      this.where = `tcp:${u.host}`;
      const file = options.bearerTokenFile ?? env.TOKENVAULT_BEARER_TOKEN_FILE;
      if (file == null) throw new ServiceError("configuration", "a url needs bearerTokenFile (or TOKENVAULT_BEARER_TOKEN_FILE)");
      // Kept in a closure-like private field; never logged, never in a message.
      this.#authorization = `Bearer ${readBearerToken(file)}`;
    } else {
      const socket = options.socket ?? defaultSocketPath(env);
      this.target = { socketPath: socket };
      this.where = `unix:${socket}`;
    }
  }

  #authorization = null;

  /** Closes the kept-alive connections. */
  close() {
    this.agent.destroy();
  }

  /**
   * One request; resolves to `{status, body}` (body: parsed JSON or null). Error answers resolve
   * too (the caller maps codes); transport failures reject with ServiceError. 503 answers with
   * Retry-After are retried at most MAX_RETRIES times.
   */
  async request(method, urlPath, body = undefined) {
    for (let attempt = 0; ; attempt++) {
      const answer = await this.#once(method, urlPath, body, true);
      if (answer.status === 503 && answer.retryAfter != null && attempt < MAX_RETRIES) {
        await new Promise((r) => setTimeout(r, Math.min(answer.retryAfter, 5) * 1000));
        continue;
      }
      return answer;
    }
  }

  #once(method, urlPath, body, mayRetryStale) {
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body), "utf8");
    const headers = { host: "localhost", accept: "application/json" };
    if (payload) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(payload.length);
    }
    if (this.#authorization) headers.authorization = this.#authorization;
    return new Promise((resolve, reject) => {
      const req = http.request({ ...this.target, agent: this.agent, method, path: urlPath, headers });
      let settled = false;
      const fail = (err) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      req.setTimeout(this.timeoutMs, () => {
        req.destroy(new ServiceError("timeout", `no answer from the token service (${this.where}) within ${this.timeoutMs} ms to ${method} ${shape(urlPath)}`));
      });
      req.on("error", (e) => {
        if (settled) return;
        // A kept-alive connection the service closed while idle: send again on a new one.
        if (mayRetryStale && req.reusedSocket && (e.code === "ECONNRESET" || e.code === "EPIPE")) {
          settled = true;
          this.#once(method, urlPath, body, false).then(resolve, reject);
          return;
        }
        if (e instanceof ServiceError) return fail(e);
        fail(new ServiceError("unreachable", `cannot reach the token service (${this.where}): ${e.code || e.message}`, null, { cause: e }));
      });
      req.on("response", (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("error", (e) => fail(new ServiceError("unreachable", `answer cut short (${this.where}): ${e.code || e.message}`)));
        res.on("end", () => {
          if (settled) return;
          settled = true;
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed = null;
          if (text.length > 0) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = null;
            }
          }
          const ra = res.headers["retry-after"];
          resolve({ status: res.statusCode, body: parsed, retryAfter: ra != null && /^\d+$/.test(ra) ? Number(ra) : null });
        });
      });
      req.end(payload ?? undefined);
    });
  }

  /** Turns an error answer into a ServiceError (code from the body, or from the status). */
  errorOf(method, urlPath, answer) {
    const err = answer.body && answer.body.error;
    const code = err && typeof err.code === "string" ? err.code : `http_${answer.status}`;
    const message = err && typeof err.message === "string" ? err.message : `HTTP ${answer.status}`;
    return new ServiceError(code, `${method} ${shape(urlPath)}: ${message}`, answer.status);
  }
}

// A request path without its id (ids are not secret, but keep messages uniform).
function shape(urlPath) {
  return urlPath.replace(/^\/v1\/tokens\/[^?]+/, "/v1/tokens/{id}");
}
