<?php
// Per-request cost of `construct the store + findToken` (as each PHP request does), VaultStore
// through `tokenvault serve` against the SDK's FileStore, at 1k and 10k stored tokens, in one
// PHP CLI process (one construct + find per iteration: no connection is reused across them).
//
//   TOKENVAULT_BIN=/path/to/tokenvault php php/bench/find.php [ITERATIONS]
require dirname(__DIR__) . '/tests/autoload.php';
require dirname(__DIR__) . '/tests/Support/Service.php';
require dirname(__DIR__) . '/tests/Support/Tokens.php';

use com\zoho\api\authenticator\store\FileStore;
use Tokenvault\ZohoTokenStore\Tests\Support\Service;
use Tokenvault\ZohoTokenStore\Tests\Support\Tokens;
use Tokenvault\ZohoTokenStore\VaultStore;

$iterations = isset($argv[1]) ? (int) $argv[1] : 500;

function stats(array $ms)
{
    sort($ms);
    $n = count($ms);
    return sprintf('median %.3f ms, p99 %.3f ms', $ms[(int) floor(($n - 1) / 2)], $ms[(int) min($n - 1, ceil(0.99 * $n) - 1)]);
}

foreach (array(1000, 10000) as $count) {
    $dir = Service::tempDir('tv-php-bench-');
    $rows = array();
    for ($i = 1; $i <= $count; $i++) {
        $rows[] = "$i,user$i@zylker.com,1000.CID,secret$i,1000.rt.$i,1000.at.$i,," . (round(microtime(true) * 1000) + 3600000) . ',,https://www.zohoapis.com';
    }
    $columns = 'id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,%s,api_domain';
    file_put_contents("$dir/php.csv", sprintf($columns, 'redirect_url') . "\n" . implode("\n", $rows));
    file_put_contents("$dir/import.csv", sprintf($columns, 'redirect_uri') . "\n" . implode("\n", $rows) . "\n");
    Service::run(array(Service::binary(), '--vault', "$dir/tokens.vault", 'init', '--generate'), Service::env(array('TOKENVAULT_KEY_FILE' => "$dir/app.key")));
    Service::run(array(Service::binary(), '--vault', "$dir/tokens.vault", 'import', "$dir/import.csv"), Service::env(array('TOKENVAULT_KEY_FILE' => "$dir/app.key")));
    $service = new Service(array(), $dir);
    $times = array('VaultStore' => array(), 'FileStore' => array());
    for ($k = 0; $k < $iterations; $k++) {
        $user = 'user' . mt_rand(1, $count) . '@zylker.com';
        foreach (array('VaultStore', 'FileStore') as $kind) {
            $t0 = hrtime(true);
            $store = $kind === 'VaultStore' ? new VaultStore($service->socket) : new FileStore("$dir/php.csv");
            try { $found = $store->findToken(Tokens::make(array("user_name" => $user))); } catch (\Exception $e) { fwrite(STDERR, "$kind $k: " . $e->getCause()->getMessage() . "\n"); exit(1); }
            $times[$kind][] = (hrtime(true) - $t0) / 1e6;
            unset($store);
            if ($found->getId() === null) {
                fwrite(STDERR, "$kind found nothing for $user\n");
                exit(1);
            }
        }
    }
    foreach ($times as $kind => $ms) {
        printf("%5d tokens  %-10s construct + findToken: %s (%d iterations)\n", $count, $kind, stats($ms), $iterations);
    }
    $service->stop();
    Service::removeTree($dir);
}
