<?php

namespace Tokenvault\ZohoTokenStore;

use com\zoho\api\authenticator\OAuthToken;
use com\zoho\api\authenticator\Token;
use com\zoho\api\authenticator\store\TokenStore;
use com\zoho\crm\api\exception\SDKException;
use com\zoho\crm\api\UserSignature;

/**
 * The Zoho CRM PHP SDK's token store on tokenvault: the tokens live encrypted in a vault that
 * `tokenvault serve` holds unlocked, and this class asks it over a Unix socket (or loopback TCP
 * with a bearer token), one HTTP request per method. A drop-in for the SDK's FileStore:
 *
 *     (new InitializeBuilder())->...->store(new VaultStore())->initialize();
 *
 * The six methods follow the PHP FileStore's rules and texts (which stored token a query selects,
 * how fields merge, how ids are assigned, which SDKException a missing id throws); the
 * differences are listed in docs/COMPAT.md §PHP SDK. `findToken` and `findTokenById` coordinate
 * refreshes: of many workers that find the same expired token, one refreshes it through Zoho and
 * the others wait for its save and get the fresh token.
 *
 * Needs ext-curl (and ext-json); no extension of its own.
 */
class VaultStore implements TokenStore
{
    /** The SDK's error code for every store exception. */
    const TOKEN_STORE = 'TOKEN_STORE';
    /** The PHP FileStore's texts (the SDK's util/Constants.php), kept where VaultStore behaves the same. */
    const ID_INVALID = 'Exception in getTokenById - FileStore : Given ID is invalid';
    const AUTH_DETAILS_NOT_FOUND = 'Exception in FileStore : Check File authentication details.';

    /** The service's default socket when neither TOKENVAULT_SOCKET nor XDG_RUNTIME_DIR is set. */
    const SYSTEM_SOCKET = '/run/tokenvault/tokenvault.sock';

    /** @var string|null */
    private $socketPath;
    /** @var string|null "host:port" for TCP */
    private $tcp;
    /** @var string|null */
    private $bearerToken;
    private $connectTimeout;
    private $timeout;
    private $coordinate;
    private $retries;
    /** @var resource|\CurlHandle|null one handle, so that the connection is kept alive */
    private $curl;

    /**
     * @param string|null $socketPath The service's Unix socket. Default: the environment
     *     variable TOKENVAULT_SOCKET, else $XDG_RUNTIME_DIR/tokenvault.sock when XDG_RUNTIME_DIR
     *     is set and not empty, else /run/tokenvault/tokenvault.sock (the service's own defaults).
     * @param array $options
     *     - `tcp` (string, "127.0.0.1:8731"): use loopback TCP instead of the socket; needs a
     *       bearer token. Give either $socketPath or `tcp`, not both.
     *     - `bearer_token_file` (string): the file holding the bearer token (its first line);
     *       default the environment variable TOKENVAULT_BEARER_TOKEN_FILE.
     *     - `bearer_token` (string): the token itself, instead of a file.
     *     - `connect_timeout` (seconds, default 5).
     *     - `timeout` (seconds, default 75): the longest one request may take. A coordinated
     *       find may wait for another worker's refresh up to the service's `--refresh-lease`
     *       (10 s by default, at most 60 s), so keep this above it.
     *     - `coordinate_refresh` (bool, default true): one refresh per expiry across workers.
     *       false gives the FileStore's behaviour (every worker that sees the expiry refreshes).
     *     - `retries` (int, default 2): how many times a request that the service answers with
     *       503 and `Retry-After` (busy, vault reopening) is repeated, after that many seconds.
     */
    public function __construct($socketPath = null, array $options = array())
    {
        $known = array('tcp', 'bearer_token_file', 'bearer_token', 'connect_timeout', 'timeout', 'coordinate_refresh', 'retries');
        foreach ($options as $name => $value) {
            if (!in_array($name, $known, true)) {
                throw new \InvalidArgumentException("VaultStore: unknown option '$name' (known: " . implode(', ', $known) . ')');
            }
        }
        if (!function_exists('curl_init')) {
            throw new SDKException(self::TOKEN_STORE, 'Exception in VaultStore : the PHP extension curl is needed (apt install php-curl)');
        }
        $this->tcp = isset($options['tcp']) ? (string) $options['tcp'] : null;
        if ($this->tcp !== null) {
            if ($socketPath !== null) {
                throw new \InvalidArgumentException('VaultStore: give a socket path or the tcp option, not both');
            }
            $this->bearerToken = self::bearerToken($options);
        } else {
            $this->socketPath = $socketPath !== null ? (string) $socketPath : self::defaultSocket();
        }
        $this->connectTimeout = isset($options['connect_timeout']) ? (float) $options['connect_timeout'] : 5.0;
        $this->timeout = isset($options['timeout']) ? (float) $options['timeout'] : 75.0;
        $this->coordinate = isset($options['coordinate_refresh']) ? (bool) $options['coordinate_refresh'] : true;
        $this->retries = isset($options['retries']) ? max(0, (int) $options['retries']) : 2;
    }

    /** The socket the service listens on by default, as `tokenvault serve` computes it. */
    public static function defaultSocket()
    {
        $env = getenv('TOKENVAULT_SOCKET');
        if ($env !== false && $env !== '') {
            return $env;
        }
        $runtime = getenv('XDG_RUNTIME_DIR');
        if ($runtime !== false && $runtime !== '') {
            return rtrim($runtime, '/') . '/tokenvault.sock';
        }
        return self::SYSTEM_SOCKET;
    }

    /** Where requests go: `unix:PATH` or `tcp:ADDRESS` (no secret). */
    public function endpoint()
    {
        return $this->tcp !== null ? 'tcp:' . $this->tcp : 'unix:' . $this->socketPath;
    }

    public function __destruct()
    {
        if ($this->curl !== null) {
            curl_close($this->curl);
            $this->curl = null;
        }
    }

    // ---- the SDK's six TokenStore methods ------------------------------------------------

    /**
     * Finds the stored token the query selects (the FileStore's rules: by user name; else by
     * access token without client id and secret; else, with both, by grant or refresh token;
     * else, unlike the FileStore, by id) and fills the query's empty fields from it.
     *
     * @return Token the same object; unchanged when nothing matches (never null).
     */
    public function findToken(Token $token)
    {
        if (!($token instanceof OAuthToken)) {
            return $token;
        }
        try {
            list($status, $body) = $this->request('POST', '/v1/tokens/find' . $this->query(), self::fieldsOf($token));
        } catch (ServiceError $e) {
            if ($e->getServiceCode() === 'token_not_found') {
                return $token;
            }
            throw self::generic('getToken', $e);
        }
        self::merge($token, self::tokenOf($body));
        $this->saveIfYoursAndNotDue($token, $body);
        return $token;
    }

    /**
     * The token with this id, as a new OAuthToken.
     *
     * @throws SDKException TOKEN_STORE "Exception in getTokenById - FileStore : Given ID is
     *     invalid" when there is none.
     */
    public function findTokenById($id)
    {
        $id = self::idString($id);
        if ($id === null) {
            throw new SDKException(self::TOKEN_STORE, self::ID_INVALID);
        }
        try {
            list($status, $body) = $this->request('GET', '/v1/tokens/' . rawurlencode($id) . $this->query(), null);
        } catch (ServiceError $e) {
            if ($e->getServiceCode() === 'id_not_found') {
                throw new SDKException(self::TOKEN_STORE, self::ID_INVALID, null, $e);
            }
            throw self::generic('getTokenById', $e);
        }
        $token = self::newToken(self::tokenOf($body));
        $this->saveIfYoursAndNotDue($token, $body);
        return $token;
    }

    /**
     * Stores the token: updates the stored token with its id (or, without an id, the one
     * findToken would select), filling the token's empty fields from it; otherwise inserts it
     * with the next id (largest + 1). Sets the id on the passed token. Durable on return.
     *
     * @throws SDKException TOKEN_STORE "Exception in FileStore : Check File authentication
     *     details." when a token with an id or a user name but no access, refresh or grant token
     *     matches nothing; TOKEN_STORE when the id is not a decimal number such as "7".
     */
    public function saveToken(Token $token)
    {
        if (!($token instanceof OAuthToken)) {
            return;
        }
        try {
            list($status, $body) = $this->request('PUT', '/v1/tokens', self::fieldsOf($token));
        } catch (ServiceError $e) {
            switch ($e->getServiceCode()) {
                case 'user_details_not_found':
                    throw new SDKException(self::TOKEN_STORE, self::AUTH_DETAILS_NOT_FOUND, null, $e);
                case 'id_invalid':
                    throw new SDKException(self::TOKEN_STORE, sprintf(
                        'Exception in VaultStore : Given id %s is not a decimal number such as "7" (no sign, no leading zero); leave the id unset and saveToken assigns one',
                        var_export(self::idString($token->getId()), true)
                    ), null, $e);
                default:
                    throw self::generic('saveToken', $e);
            }
        }
        $saved = self::tokenOf($body);
        if (isset($body['outcome']) && $body['outcome'] === 'updated') {
            self::merge($token, $saved);
        } elseif ($token->getId() == null) {
            // Inserted: the FileStore only sets the new id; the token's own fields stay as given.
            $token->setId($saved['id']);
        }
        return $token;
    }

    /**
     * Deletes the token with this id.
     *
     * @throws SDKException TOKEN_STORE "Exception in getTokenById - FileStore : Given ID is
     *     invalid" (the PHP FileStore's text) when there is none.
     */
    public function deleteToken($id)
    {
        $id = self::idString($id);
        if ($id === null) {
            throw new SDKException(self::TOKEN_STORE, self::ID_INVALID);
        }
        try {
            $this->request('DELETE', '/v1/tokens/' . rawurlencode($id), null);
        } catch (ServiceError $e) {
            if ($e->getServiceCode() === 'id_not_found') {
                throw new SDKException(self::TOKEN_STORE, self::ID_INVALID, null, $e);
            }
            throw self::generic('deleteToken', $e);
        }
    }

    /** @return OAuthToken[] every stored token, as new objects, in insertion order. */
    public function getTokens()
    {
        try {
            list($status, $body) = $this->request('GET', '/v1/tokens', null);
        } catch (ServiceError $e) {
            throw self::generic('getTokens', $e);
        }
        if (!isset($body['tokens']) || !is_array($body['tokens'])) {
            throw self::generic('getTokens', new ServiceError('transport', $status, 'the answer has no token list'));
        }
        $tokens = array();
        foreach ($body['tokens'] as $fields) {
            $tokens[] = self::newToken(self::checkedFields($fields));
        }
        return $tokens;
    }

    /** Deletes every token. The vault, its keys and key slots stay. */
    public function deleteTokens()
    {
        try {
            $this->request('DELETE', '/v1/tokens', null);
        } catch (ServiceError $e) {
            throw self::generic('deleteTokens', $e);
        }
    }

    // ---- tokens <-> the protocol's JSON ---------------------------------------------------

    /** The SDK's getter for each protocol field but user_name and id. */
    private static $getters = array(
        'client_id' => 'getClientId',
        'client_secret' => 'getClientSecret',
        'refresh_token' => 'getRefreshToken',
        'access_token' => 'getAccessToken',
        'grant_token' => 'getGrantToken',
        'expiry_time' => 'getExpiresIn',
        'redirect_url' => 'getRedirectURL',
        'api_domain' => 'getAPIDomain',
    );

    private static $setters = array(
        'client_id' => 'setClientId',
        'client_secret' => 'setClientSecret',
        'refresh_token' => 'setRefreshToken',
        'access_token' => 'setAccessToken',
        'grant_token' => 'setGrantToken',
        'expiry_time' => 'setExpiresIn',
        'redirect_url' => 'setRedirectURL',
        'api_domain' => 'setAPIDomain',
    );

    /**
     * The token as the protocol's object. The PHP FileStore compares with `!= null`, so `""` is
     * "not set" for it: sent as null. The user name is the UserSignature's name, sent as given
     * (`""` included: a signature with an empty name selects the user-name rule and matches
     * nothing, as in the FileStore).
     */
    private static function fieldsOf(OAuthToken $token)
    {
        $fields = array('id' => self::idString($token->getId()));
        $signature = $token->getUserSignature();
        $fields['user_name'] = $signature !== null ? (string) $signature->getName() : null;
        foreach (self::$getters as $name => $getter) {
            $fields[$name] = self::scalar($token->$getter());
        }
        return $fields;
    }

    /** A field value as the protocol's string, or null for not set. */
    private static function scalar($value)
    {
        if ($value === null || $value === '' || $value === false) {
            return null;
        }
        if (is_float($value)) {
            // expiresIn after a refresh: milliseconds as a float (round(microtime(true)*1000) + ...).
            if (is_finite($value) && floor($value) == $value && abs($value) < 1e18) {
                return sprintf('%.0f', $value);
            }
            return (string) $value;
        }
        if (is_scalar($value)) {
            return (string) $value;
        }
        if (is_object($value) && method_exists($value, '__toString')) {
            return (string) $value;
        }
        return null;
    }

    private static function idString($id)
    {
        if ($id === null || $id === '' || $id === false) {
            return null;
        }
        if (is_float($id) && floor($id) == $id) {
            return sprintf('%.0f', $id);
        }
        return is_scalar($id) ? (string) $id : null;
    }

    /**
     * Fills the token's empty fields from a stored token, as the FileStore's setMergeData does:
     * a field that is null or "" takes the stored value (null when the stored one is absent); the
     * user signature and the expiry are only set when the stored token has them.
     */
    private static function merge(OAuthToken $token, array $stored)
    {
        if ($token->getId() == null) {
            $token->setId($stored['id']);
        }
        if ($token->getUserSignature() == null && $stored['user_name'] !== null) {
            $token->setUserSignature(new UserSignature($stored['user_name']));
        }
        foreach (self::$getters as $name => $getter) {
            if ($token->$getter() == null) {
                if ($name === 'expiry_time' && $stored[$name] === null) {
                    continue;
                }
                $setter = self::$setters[$name];
                $token->$setter($stored[$name]);
            }
        }
    }

    /** A new OAuthToken holding a stored token, as the FileStore builds one. */
    private static function newToken(array $stored)
    {
        $class = new \ReflectionClass(OAuthToken::class);
        $token = $class->newInstanceWithoutConstructor();
        self::merge($token, $stored);
        return $token;
    }

    private static function tokenOf($body)
    {
        if (!is_array($body) || !isset($body['token']) || !is_array($body['token'])) {
            throw self::generic('getToken', new ServiceError('transport', 200, 'the answer has no token'));
        }
        return self::checkedFields($body['token']);
    }

    private static function checkedFields($fields)
    {
        $out = array();
        foreach (array_merge(array('id', 'user_name'), array_keys(self::$getters)) as $name) {
            $value = is_array($fields) && array_key_exists($name, $fields) ? $fields[$name] : null;
            $out[$name] = is_string($value) ? $value : null;
        }
        return $out;
    }

    // ---- refresh coordination -------------------------------------------------------------

    /**
     * On `yours` the SDK must refresh and save, or the other workers wait for the lease. Its
     * rule (OAuthToken::getToken) is the service's; should they ever disagree on a token, it is
     * saved unchanged here, which ends the lease.
     */
    private function saveIfYoursAndNotDue(OAuthToken $token, $body)
    {
        if (!isset($body['refresh']) || $body['refresh'] !== 'yours' || self::sdkWillRefresh($token)) {
            return;
        }
        try {
            $this->request('PUT', '/v1/tokens', self::fieldsOf($token));
        } catch (ServiceError $e) {
            // The lease then lapses at its deadline; the token itself is fine.
        }
    }

    /** OAuthToken::getToken's test: no access token, or an expiry less than 5 s away. */
    private static function sdkWillRefresh(OAuthToken $token)
    {
        $access = $token->getAccessToken();
        if ($access == null || mb_strlen((string) $access, 'utf-8') == 0) {
            return true;
        }
        $expiry = $token->getExpiresIn();
        if ($expiry != null && mb_strlen((string) $expiry, 'utf-8') > 0) {
            return ((double) $expiry) - round(microtime(true) * 1000) < 5000;
        }
        return false;
    }

    private function query()
    {
        return $this->coordinate ? '' : '?coordinate=false';
    }

    // ---- HTTP -------------------------------------------------------------------------------

    private static function generic($operation, ServiceError $cause)
    {
        return new SDKException(self::TOKEN_STORE, "Exception in $operation - VaultStore : ", null, $cause);
    }

    private static function bearerToken(array $options)
    {
        if (isset($options['bearer_token'])) {
            $token = trim((string) $options['bearer_token']);
        } else {
            $file = isset($options['bearer_token_file']) ? $options['bearer_token_file'] : getenv('TOKENVAULT_BEARER_TOKEN_FILE');
            if ($file === false || $file === null || $file === '') {
                throw new \InvalidArgumentException('VaultStore: the tcp option needs bearer_token_file (or TOKENVAULT_BEARER_TOKEN_FILE) or bearer_token');
            }
            $text = @file_get_contents((string) $file, false, null, 0, 4096);
            if ($text === false) {
                throw new \InvalidArgumentException("VaultStore: cannot read the bearer token file $file");
            }
            $lines = preg_split('/\r?\n/', $text);
            $token = trim($lines[0]);
        }
        if ($token === '') {
            throw new \InvalidArgumentException('VaultStore: the bearer token is empty');
        }
        return $token;
    }

    private function handle()
    {
        if ($this->curl === null) {
            $this->curl = curl_init();
        } else {
            curl_reset($this->curl);
        }
        return $this->curl;
    }

    /**
     * One request; returns [status, decoded body]. Throws ServiceError for an error answer
     * (with the protocol's code), a transport failure or an answer that is not the protocol's.
     */
    private function request($method, $path, $fields)
    {
        $attempt = 0;
        while (true) {
            try {
                return $this->requestOnce($method, $path, $fields);
            } catch (ServiceError $e) {
                if ($e->retryAfter === null || $attempt >= $this->retries) {
                    throw $e;
                }
                $attempt++;
                usleep((int) (min(max($e->retryAfter, 0.05), 5.0) * 1000000));
            }
        }
    }

    private function requestOnce($method, $path, $fields)
    {
        $curl = $this->handle();
        $headers = array('Accept: application/json', 'Expect:');
        if ($this->tcp !== null) {
            $url = 'http://' . $this->tcp . $path;
            $headers[] = 'Authorization: Bearer ' . $this->bearerToken;
        } else {
            $url = 'http://localhost' . $path;
            curl_setopt($curl, CURLOPT_UNIX_SOCKET_PATH, $this->socketPath);
        }
        curl_setopt($curl, CURLOPT_URL, $url);
        curl_setopt($curl, CURLOPT_CUSTOMREQUEST, $method);
        curl_setopt($curl, CURLOPT_RETURNTRANSFER, true);
        curl_setopt($curl, CURLOPT_PROXY, '');
        curl_setopt($curl, CURLOPT_NOSIGNAL, true);
        curl_setopt($curl, CURLOPT_CONNECTTIMEOUT_MS, (int) ($this->connectTimeout * 1000));
        curl_setopt($curl, CURLOPT_TIMEOUT_MS, (int) ($this->timeout * 1000));
        $retryAfter = null;
        // static: a closure bound to $this would make a cycle (this -> curl -> closure -> this) that
        // keeps the connection open after the store is dropped, until PHP collects cycles.
        curl_setopt($curl, CURLOPT_HEADERFUNCTION, static function ($handle, $line) use (&$retryAfter) {
            if (stripos($line, 'retry-after:') === 0) {
                $retryAfter = (float) trim(substr($line, 12));
            }
            return strlen($line);
        });
        if ($fields !== null) {
            $headers[] = 'Content-Type: application/json';
            curl_setopt($curl, CURLOPT_POSTFIELDS, json_encode($fields, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR));
        }
        curl_setopt($curl, CURLOPT_HTTPHEADER, $headers);
        $raw = curl_exec($curl);
        if ($raw === false) {
            // curl's message names the endpoint and the failure, never a request body.
            throw new ServiceError('transport', 0, 'cannot reach the tokenvault service at ' . $this->endpoint() . ': ' . curl_error($curl));
        }
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        if ($status === 204) {
            return array($status, null);
        }
        $body = json_decode($raw, true);
        if ($status >= 200 && $status < 300) {
            if (!is_array($body)) {
                throw new ServiceError('transport', $status, "the answer (status $status) is not JSON");
            }
            return array($status, $body);
        }
        if (is_array($body) && isset($body['error']['code']) && is_string($body['error']['code'])) {
            $message = isset($body['error']['message']) && is_string($body['error']['message']) ? $body['error']['message'] : '';
            $error = new ServiceError($body['error']['code'], $status, $body['error']['code'] . " ($status): " . $message);
        } else {
            $error = new ServiceError('transport', $status, "the service answered status $status without an error object");
        }
        $error->retryAfter = ($status === 503) ? $retryAfter : null;
        throw $error;
    }
}
