// The SDK-independent part of VaultStore: the six store methods over the token service, written
// against the few SDK classes every Zoho JavaScript SDK has (OAuthToken, UserSignature,
// SDKException). index.js binds it to @zohocrm/nodejs-sdk-8.0, typescript.js to
// @zohocrm/typescript-sdk-8.0.
import { ServiceClient, ServiceError } from "./client.js";

// The FileStores' texts (lib/utils/util/constants.js of both SDKs; identical in both).
export const TOKEN_STORE = "TOKEN_STORE";
export const ID_INVALID = "Exception in getTokenById - FileStore : Given ID is invalid";
export const AUTH_DETAILS_NOT_FOUND = "Exception in FileStore : Given user authentication details not found.";

export const FIELDS = ["id", "user_name", "client_id", "client_secret", "refresh_token", "access_token", "grant_token", "expiry_time", "redirect_url", "api_domain"];

const str = (v) => (v == null ? null : typeof v === "string" ? v : String(v));

/** The service's JSON token for an SDK OAuthToken (absent fields: null). */
export function toJson(token) {
  const sig = token.getUserSignature();
  return {
    id: str(token.getId()),
    user_name: sig == null ? null : str(sig.getName()),
    client_id: str(token.getClientId()),
    client_secret: str(token.getClientSecret()),
    refresh_token: str(token.getRefreshToken()),
    access_token: str(token.getAccessToken()),
    grant_token: str(token.getGrantToken()),
    expiry_time: str(token.getExpiresIn()),
    redirect_url: str(token.getRedirectURL()),
    api_domain: str(token.getAPIDomain()),
  };
}

/**
 * Fills each unset (null/undefined) field of an SDK token from a service token, as the
 * FileStore's setMergeData does: fields the token has (`""` included) are kept.
 */
export function mergeInto(sdk, token, t, merged = true) {
  // The TypeScript FileStore fills a missing client id and secret with "" (not null) when it
  // merges a stored row (not when saveToken inserts).
  const blank = sdk.emptyClientCredentials && merged ? "" : null;
  if (token.getId() == null) token.setId(t.id);
  if (token.getUserSignature() == null) token.setUserSignature(t.user_name != null ? new sdk.UserSignature(t.user_name) : null);
  if (token.getClientId() == null) token.setClientId(t.client_id ?? blank);
  if (token.getClientSecret() == null) token.setClientSecret(t.client_secret ?? blank);
  if (token.getRefreshToken() == null) token.setRefreshToken(t.refresh_token);
  if (token.getAccessToken() == null) token.setAccessToken(t.access_token);
  if (token.getGrantToken() == null) token.setGrantToken(t.grant_token);
  if (token.getExpiresIn() == null && t.expiry_time != null) token.setExpiresIn(t.expiry_time);
  if (token.getRedirectURL() == null) token.setRedirectURL(t.redirect_url);
  if (token.getAPIDomain() == null) token.setAPIDomain(t.api_domain);
  return token;
}

/**
 * Whether the SDK's OAuthToken.getToken() will refresh (and then save) this token: the rule of
 * oauth_token.js (both SDKs): no access token, or an expiry > 0 less than 5000 ms ahead.
 */
export function sdkWillRefresh(token, now = Date.now()) {
  const at = token.getAccessToken();
  if (at == null || at.length === 0) return true;
  const exp = token.getExpiresIn();
  return exp != null && exp > 0 && parseInt(exp) - now < 5000;
}

function pathId(id) {
  return `/v1/tokens/${encodeURIComponent(String(id))}`;
}

/**
 * Builds the VaultStore class for one SDK.
 * @param {{OAuthToken: Function, UserSignature: Function, SDKException: Function,
 *          emptyClientCredentials?: boolean}} sdk
 * @param {Function} Base the SDK's TokenStore class (or a plain class when it has none)
 */
export function makeVaultStore(sdk, Base) {
  const generic = (operation, cause) =>
    new sdk.SDKException(TOKEN_STORE, `Exception in ${operation} - VaultStore : `, null, cause);
  const newToken = () => Reflect.construct(sdk.OAuthToken, []);

  return class VaultStore extends Base {
    #client;
    #coordinate;

    /**
     * @param {{socket?: string, url?: string, bearerTokenFile?: string, timeoutMs?: number,
     *          coordinate?: boolean}} [options]
     */
    constructor(options = {}) {
      super();
      this.#client = new ServiceClient(options);
      this.#coordinate = options.coordinate ?? true;
    }

    /** Where the store connects (`unix:PATH` or `tcp:HOST:PORT`). */
    get endpoint() {
      return this.#client.where;
    }

    /** Closes the kept-alive connections to the service. */
    close() {
      this.#client.close();
    }

    async #call(operation, method, urlPath, body) {
      try {
        return await this.#client.request(method, urlPath, body);
      } catch (e) {
        throw generic(operation, e instanceof ServiceError ? e : new ServiceError("unreachable", String(e && e.code)));
      }
    }

    // After a coordinated find answered `yours`, the SDK is expected to refresh and save. When
    // the SDK's own rule says it will not (the two rules can disagree at the edges), save the
    // token unchanged so that the lease ends now rather than at its deadline.
    async #releaseIfUnused(refresh, stored) {
      if (refresh !== "yours") return;
      const probe = mergeInto(sdk, newToken(), stored);
      if (sdkWillRefresh(probe)) return;
      await this.#client.request("PUT", "/v1/tokens", stored).catch(() => {});
    }

    async findToken(token) {
      if (!(token instanceof sdk.OAuthToken)) return token;
      const q = this.#coordinate ? "" : "?coordinate=false";
      const url = `/v1/tokens/find${q}`;
      const a = await this.#call("findToken", "POST", url, toJson(token));
      if (a.status === 200 && a.body && a.body.token) {
        const stored = a.body.token;
        mergeInto(sdk, token, stored);
        await this.#releaseIfUnused(a.body.refresh, stored);
        return token;
      }
      if (a.status === 404 && a.body && a.body.error && a.body.error.code === "token_not_found") return null;
      throw generic("findToken", this.#client.errorOf("POST", url, a));
    }

    async findTokenById(id) {
      if (id == null || String(id).length === 0) throw new sdk.SDKException(TOKEN_STORE, ID_INVALID);
      const url = pathId(id) + (this.#coordinate ? "" : "?coordinate=false");
      const a = await this.#call("findTokenById", "GET", url);
      if (a.status === 200 && a.body && a.body.token) {
        const token = mergeInto(sdk, newToken(), a.body.token);
        await this.#releaseIfUnused(a.body.refresh, a.body.token);
        return token;
      }
      if (a.status === 404 && a.body && a.body.error && a.body.error.code === "id_not_found") {
        throw new sdk.SDKException(TOKEN_STORE, ID_INVALID);
      }
      throw generic("findTokenById", this.#client.errorOf("GET", url, a));
    }

    async saveToken(token) {
      if (!(token instanceof sdk.OAuthToken)) return token;
      const a = await this.#call("saveToken", "PUT", "/v1/tokens", toJson(token));
      if (a.status === 200 && a.body && a.body.token) {
        mergeInto(sdk, token, a.body.token, a.body.outcome === "updated");
        if (token.getId() == null) token.setId(a.body.token.id);
        return;
      }
      const code = a.body && a.body.error && a.body.error.code;
      if (code === "user_details_not_found") throw new sdk.SDKException(TOKEN_STORE, AUTH_DETAILS_NOT_FOUND);
      if (code === "id_invalid") {
        throw new sdk.SDKException(
          TOKEN_STORE,
          `Exception in VaultStore : Given id ${JSON.stringify(String(token.getId()))} is not a decimal number such as "7" (no sign, no leading zero); leave the id unset and saveToken assigns one`,
        );
      }
      throw generic("saveToken", this.#client.errorOf("PUT", "/v1/tokens", a));
    }

    async deleteToken(id) {
      // The Node and TypeScript FileStores throw their getTokenById text for a missing id.
      if (id == null || String(id).length === 0) throw new sdk.SDKException(TOKEN_STORE, ID_INVALID);
      const url = pathId(id);
      const a = await this.#call("deleteToken", "DELETE", url);
      if (a.status === 204) return;
      if (a.status === 404 && a.body && a.body.error && a.body.error.code === "id_not_found") {
        throw new sdk.SDKException(TOKEN_STORE, ID_INVALID);
      }
      throw generic("deleteToken", this.#client.errorOf("DELETE", url, a));
    }

    async getTokens() {
      const a = await this.#call("getTokens", "GET", "/v1/tokens");
      if (a.status === 200 && a.body && Array.isArray(a.body.tokens)) {
        return a.body.tokens.map((t) => mergeInto(sdk, newToken(), t));
      }
      throw generic("getTokens", this.#client.errorOf("GET", "/v1/tokens", a));
    }

    async deleteTokens() {
      const a = await this.#call("deleteTokens", "DELETE", "/v1/tokens");
      if (a.status === 204) return;
      throw generic("deleteTokens", this.#client.errorOf("DELETE", "/v1/tokens", a));
    }
  };
}
