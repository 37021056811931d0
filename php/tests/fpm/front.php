<?php
// The front script of the PHP-FPM test and benchmark: one web request as an application does it,
// in a php-fpm worker. Parameters in the query string:
//
//   mode=find&store=vault|file&path=SOCKET|CSV&user=NAME
//       constructs the store (new VaultStore($socket) or the SDK's new FileStore($csv)) and finds
//       the user's token: {"pid", "id", "rt" (sha256 prefix of the refresh token), "us" (construct
//       + findToken in microseconds)}
//   mode=init&store=...&path=...&user=NAME&accounts=URL
//       the SDK's own token flow (InitializeBuilder->initialize(): OAuthToken::getToken, which
//       refreshes through the accounts URL when the stored token is due, then saveToken):
//       {"pid", "id", "at" (sha256 prefix of the access token the store then holds)}
//
// Errors answer status 500 with the exception's class and message (the store's messages hold no
// token values) and are logged to the pool's error log.
require dirname(__DIR__) . '/autoload.php';
require dirname(__DIR__) . '/Support/Tokens.php';

use com\zoho\api\authenticator\OAuthBuilder;
use com\zoho\api\authenticator\store\FileStore;
use com\zoho\crm\api\dc\DataCenter;
use com\zoho\crm\api\InitializeBuilder;
use com\zoho\crm\api\UserSignature;
use Tokenvault\ZohoTokenStore\Tests\Support\Tokens;
use Tokenvault\ZohoTokenStore\VaultStore;

header('Content-Type: application/json');

function fingerprint($value)
{
    return $value === null ? null : substr(hash('sha256', (string) $value), 0, 16);
}

function openStore($kind, $path)
{
    return $kind === 'vault' ? new VaultStore($path) : new FileStore($path);
}

try {
    $mode = isset($_GET['mode']) ? $_GET['mode'] : '';
    $kind = isset($_GET['store']) ? $_GET['store'] : '';
    $path = isset($_GET['path']) ? $_GET['path'] : '';
    $user = isset($_GET['user']) ? $_GET['user'] : '';
    if (!in_array($kind, array('vault', 'file'), true) || $path === '' || $user === '') {
        throw new \InvalidArgumentException('store, path and user are needed');
    }
    if ($mode === 'find') {
        $t0 = hrtime(true);
        $store = openStore($kind, $path);
        $found = $store->findToken(Tokens::make(array('user_name' => $user)));
        $us = (hrtime(true) - $t0) / 1e3;
        echo json_encode(array('pid' => getmypid(), 'id' => $found->getId(), 'rt' => fingerprint($found->getRefreshToken()), 'us' => $us));
    } elseif ($mode === 'init') {
        $url = $_GET['accounts'];
        $store = openStore($kind, $path);
        $environment = DataCenter::setEnvironment($url, $url . '/oauth/v2/token', $url);
        $token = (new OAuthBuilder())
            ->clientId('1000.CLIENTID')
            ->clientSecret('client-secret-value')
            ->refreshToken('1000.rt.first')
            ->userSignature(new UserSignature($user))
            ->build();
        (new InitializeBuilder())->environment($environment)->token($token)->store($store)->initialize();
        $found = $store->findToken(Tokens::make(array('user_name' => $user)));
        echo json_encode(array('pid' => getmypid(), 'id' => $found->getId(), 'at' => fingerprint($found->getAccessToken())));
    } else {
        throw new \InvalidArgumentException('mode is find or init');
    }
} catch (\Throwable $e) {
    http_response_code(500);
    $cause = method_exists($e, 'getCause') && $e->getCause() !== null ? ' <- ' . get_class($e->getCause()) . ': ' . $e->getCause()->getMessage() : '';
    $what = get_class($e) . ': ' . $e->getMessage() . $cause;
    error_log('front.php: ' . $what);
    echo json_encode(array('pid' => getmypid(), 'error' => $what));
}
