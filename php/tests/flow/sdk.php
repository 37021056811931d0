<?php
// One SDK "request" in a process of its own: initializes the Zoho SDK (which finds the token in
// the store and refreshes it through the accounts URL when due) and prints what it saw as JSON.
//
//   php sdk.php init   STORE ACCOUNTS_URL USER   -> {"access_token_prefix": ..., "id": ...}
//   php sdk.php byid   STORE ACCOUNTS_URL ID [remove]
//   php sdk.php revoke STORE ACCOUNTS_URL ID      -> {"revoked": bool} (the SDK's revoke($id))
//   php sdk.php saves  STORE PROCESS N           -> N saves of distinct tokens, {"saved": N}
//
// STORE is "vault:SOCKET" or "file:PATH" (the SDK's FileStore).
require dirname(__DIR__) . '/autoload.php';

use com\zoho\api\authenticator\OAuthBuilder;
use com\zoho\api\authenticator\store\FileStore;
use com\zoho\api\logger\Levels;
use com\zoho\api\logger\LogBuilder;
use com\zoho\crm\api\dc\DataCenter;
use com\zoho\crm\api\InitializeBuilder;
use com\zoho\crm\api\UserSignature;
use Tokenvault\ZohoTokenStore\Tests\Support\Tokens;
use Tokenvault\ZohoTokenStore\VaultStore;

function store($spec)
{
    list($kind, $path) = explode(':', $spec, 2);
    return $kind === 'vault' ? new VaultStore($path) : new FileStore($path);
}

$mode = $argv[1];
$store = store($argv[2]);
if ($mode === 'init') {
    $url = $argv[3];
    $log = isset($argv[5]) ? $argv[5] : null;
    $environment = DataCenter::setEnvironment($url, $url . '/oauth/v2/token', $url);
    $token = (new OAuthBuilder())
        ->clientId('1000.CLIENTID')
        ->clientSecret('client-secret-value')
        ->refreshToken('1000.rt.first')
        ->userSignature(new UserSignature($argv[4]))
        ->build();
    $builder = (new InitializeBuilder())->environment($environment)->token($token)->store($store);
    if ($log !== null) {
        $builder->logger((new LogBuilder())->level(Levels::ALL)->filePath($log)->build());
    }
    $builder->initialize();
    $found = $store->findToken(Tokens::make(array('user_name' => $argv[4])));
    echo json_encode(array('id' => $found->getId(), 'access_token_prefix' => substr((string) $found->getAccessToken(), 0, 8))), "\n";
} elseif ($mode === 'byid') {
    // Restart by id (OAuthBuilder()->id()): getToken goes through findTokenById; then remove().
    $url = $argv[3];
    $environment = DataCenter::setEnvironment($url, $url . '/oauth/v2/token', $url);
    $token = (new OAuthBuilder())->id($argv[4])->build();
    (new InitializeBuilder())->environment($environment)->token($token)->store($store)->initialize();
    $access = $token->getAccessToken();
    $removed = isset($argv[5]) && $argv[5] === 'remove' ? $token->remove() : false;
    echo json_encode(array('id' => $token->getId(), 'access_token_prefix' => substr((string) $access, 0, 8), 'removed' => $removed)), "\n";
} elseif ($mode === 'revoke') {
    // The SDK's revoke($id): an id-only token to the store's findToken, then the refresh token
    // it was filled with to {accounts}/revoke.
    $url = $argv[3];
    $environment = DataCenter::setEnvironment($url, $url . '/oauth/v2/token', $url);
    $token = (new OAuthBuilder())->id($argv[4])->build();
    (new InitializeBuilder())->environment($environment)->token($token)->store($store)->initialize();
    echo json_encode(array('revoked' => $token->revoke($argv[4]))), "\n";
} elseif ($mode === 'saves') {
    $n = (int) $argv[4];
    for ($i = 0; $i < $n; $i++) {
        $store->saveToken(Tokens::make(array(
            'user_name' => "p{$argv[3]}-$i@zylker.com",
            'client_id' => '1000.CID',
            'client_secret' => 'sec',
            'refresh_token' => "1000.rt.p{$argv[3]}.$i",
            'access_token' => "1000.at.p{$argv[3]}.$i",
            'expiry_time' => (string) (round(microtime(true) * 1000) + 3600000),
        )));
    }
    echo json_encode(array('saved' => $n)), "\n";
}
