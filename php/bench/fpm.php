<?php
// Per-request cost in PHP-FPM of `construct the store + findToken`, VaultStore through
// `tokenvault serve` against the SDK's FileStore, at 1k and 10k stored tokens, same run. A
// php-fpm pool of its own (pm = static, 16 workers, tests/Support/FpmPool.php) runs
// tests/fpm/front.php, which times construct + findToken of a random user's token inside the
// worker; the FastCGI client (tests/Support/FastCgi.php) times each request's round trip.
// Requests go one at a time and then 16 in flight, a batch per store.
//
//   TOKENVAULT_BIN=/path/to/tokenvault php php/bench/fpm.php [REQUESTS_PER_BATCH]
require dirname(__DIR__) . '/tests/autoload.php';
require dirname(__DIR__) . '/tests/Support/Service.php';
require dirname(__DIR__) . '/tests/Support/Tokens.php';
require dirname(__DIR__) . '/tests/Support/FastCgi.php';
require dirname(__DIR__) . '/tests/Support/FpmPool.php';

use Tokenvault\ZohoTokenStore\Tests\Support\FastCgi;
use Tokenvault\ZohoTokenStore\Tests\Support\FpmPool;
use Tokenvault\ZohoTokenStore\Tests\Support\Service;

$requests = isset($argv[1]) ? (int) $argv[1] : 500;
$front = dirname(__DIR__) . '/tests/fpm/front.php';

function stats(array $ms)
{
    sort($ms);
    $n = count($ms);
    return sprintf('median %7.3f ms, p99 %7.3f ms', $ms[(int) floor(($n - 1) / 2)], $ms[(int) min($n - 1, ceil(0.99 * $n) - 1)]);
}

printf("tokenvault %s; %s; php-fpm %s, pm = static, 16 workers; %d requests per batch\n",
    Service::binary(), trim(Service::run(array(Service::binary(), '--version'), Service::env(array()))), FpmPool::binary(), $requests);

foreach (array(1000, 10000) as $count) {
    $dir = Service::tempDir('tv-php-fpm-bench-');
    $rows = array();
    for ($i = 1; $i <= $count; $i++) {
        $rows[] = "$i,user$i@zylker.com,1000.CID,secret$i,1000.rt.$i,1000.at.$i,," . (round(microtime(true) * 1000) + 3600000) . ',,https://www.zohoapis.com';
    }
    $columns = 'id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,%s,api_domain';
    file_put_contents("$dir/php.csv", sprintf($columns, 'redirect_url') . "\n" . implode("\n", $rows));
    file_put_contents("$dir/import.csv", sprintf($columns, 'redirect_uri') . "\n" . implode("\n", $rows) . "\n");
    $env = Service::env(array('TOKENVAULT_KEY_FILE' => "$dir/app.key"));
    Service::run(array(Service::binary(), '--vault', "$dir/tokens.vault", 'init', '--generate'), $env);
    Service::run(array(Service::binary(), '--vault', "$dir/tokens.vault", 'import', "$dir/import.csv"), $env);
    unlink("$dir/import.csv");
    $service = new Service(array(), $dir);
    $pool = new FpmPool("$dir/fpm", 16);
    $paths = array('VaultStore' => array('vault', $service->socket), 'FileStore' => array('file', "$dir/php.csv"));

    $batch = function ($kind, $n, $inFlight) use ($paths, $front, $pool, $count) {
        $reqs = array();
        $users = array();
        for ($k = 0; $k < $n; $k++) {
            $u = mt_rand(1, $count);
            $users[] = (string) $u;
            $reqs[] = FastCgi::params($front, array('mode' => 'find', 'store' => $paths[$kind][0], 'path' => $paths[$kind][1], 'user' => "user$u@zylker.com"));
        }
        $worker = $trip = array();
        foreach (FastCgi::run($pool->socket, $reqs, $inFlight, 600.0) as $k => $r) {
            $a = $r['error'] === null && $r['status'] === 200 ? json_decode($r['body'], true) : null;
            if (!is_array($a) || !isset($a['id']) || $a['id'] !== $users[$k]) {
                fwrite(STDERR, "$kind: request $k failed: " . ($r['error'] ?: substr($r['body'], 0, 300)) . "\n" . $pool->logs());
                exit(1);
            }
            $worker[] = $a['us'] / 1000;
            $trip[] = $r['ms'];
        }
        return array($worker, $trip);
    };

    foreach (array_keys($paths) as $kind) {
        $batch($kind, 64, 16); // warm-up: every worker loads the scripts (opcache) once
    }
    foreach (array(1, 16) as $inFlight) {
        foreach (array_keys($paths) as $kind) {
            $t0 = microtime(true);
            list($worker, $trip) = $batch($kind, $requests, $inFlight);
            $rate = $requests / (microtime(true) - $t0);
            printf("%5d tokens  %-10s %2d in flight  construct + findToken in the worker: %s | request round trip: %s | %5.0f req/s\n",
                $count, $kind, $inFlight, stats($worker), stats($trip), $rate);
        }
    }
    $pool->stop();
    $service->stop();
    Service::removeTree($dir);
}
