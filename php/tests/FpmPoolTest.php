<?php

namespace Tokenvault\ZohoTokenStore\Tests;

use PHPUnit\Framework\TestCase;
use Tokenvault\ZohoTokenStore\Tests\Support\FastCgi;
use Tokenvault\ZohoTokenStore\Tests\Support\FpmPool;
use Tokenvault\ZohoTokenStore\Tests\Support\Service;
use Tokenvault\ZohoTokenStore\Tests\Support\Tokens;
use Tokenvault\ZohoTokenStore\VaultStore;

/**
 * VaultStore in a real PHP-FPM pool (Debian's php-fpm: pm = static, 16 workers, a Unix socket in
 * a temporary directory), each request a front script (tests/fpm/front.php) that constructs
 * `new VaultStore($socket)` and finds a token, or runs the SDK's token flow against an accounts
 * stub (php -S, DataCenter::setEnvironment). The requests come from a FastCGI client
 * (Support/FastCgi.php) with 24 in flight; one request first goes through libfcgi's cgi-fcgi.
 */
class FpmPoolTest extends TestCase
{
    const WORKERS = 16;
    const REQUESTS = 200;
    const IN_FLIGHT = 24;

    /** @var Service */
    private static $service;
    /** @var FpmPool */
    private static $pool;
    private static $stub;
    private static $stubUrl;
    private static $countFile;
    private static $front;

    public static function setUpBeforeClass(): void
    {
        self::$front = __DIR__ . '/fpm/front.php';
        self::$service = new Service();
        $dir = self::$service->dir;
        self::$countFile = "$dir/stub-calls";
        $port = self::freePort();
        self::$stubUrl = "http://127.0.0.1:$port";
        $env = Service::env(array('STUB_COUNT_FILE' => self::$countFile, 'PHP_CLI_SERVER_WORKERS' => '16', 'STUB_DELAY_MS' => '200'));
        self::$stub = proc_open(array(PHP_BINARY, '-S', "127.0.0.1:$port", __DIR__ . '/stub/accounts.php'), array(0 => array('file', '/dev/null', 'r'), 1 => array('file', '/dev/null', 'w'), 2 => array('file', '/dev/null', 'w')), $pipes, null, $env);
        $deadline = microtime(true) + 10;
        while (!@fsockopen('127.0.0.1', $port) && microtime(true) < $deadline) {
            usleep(50000);
        }
        try {
            self::$pool = new FpmPool("$dir/fpm", self::WORKERS);
        } catch (\Throwable $e) {
            self::tearDownAfterClass();
            throw $e;
        }
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$pool !== null) {
            self::$pool->stop();
            self::$pool = null;
        }
        if (self::$stub !== null) {
            posix_kill(proc_get_status(self::$stub)['pid'], 15);
            proc_close(self::$stub);
            self::$stub = null;
        }
        if (self::$service !== null) {
            self::$service->stop();
            Service::removeTree(self::$service->dir);
            self::$service = null;
        }
    }

    private static function freePort()
    {
        $s = stream_socket_server('tcp://127.0.0.1:0');
        $name = stream_socket_get_name($s, false);
        fclose($s);
        return (int) substr($name, strrpos($name, ':') + 1);
    }

    private static function stubCalls()
    {
        return is_file(self::$countFile) ? count(file(self::$countFile, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES)) : 0;
    }

    private static function fingerprint($value)
    {
        return substr(hash('sha256', $value), 0, 16);
    }

    /** Fires the requests at the pool; returns [decoded answers (null where none), failures, peak in flight]. */
    private static function fire(array $queries)
    {
        $requests = array();
        foreach ($queries as $q) {
            $requests[] = FastCgi::params(self::$front, $q);
        }
        $results = FastCgi::run(self::$pool->socket, $requests, self::IN_FLIGHT, 120.0, $peak);
        $answers = array();
        $failures = array();
        foreach ($results as $i => $r) {
            $a = $r['error'] === null && $r['status'] === 200 ? json_decode($r['body'], true) : null;
            if (!is_array($a) || isset($a['error'])) {
                $failures[$i] = $r['error'] ?: "status {$r['status']}: " . substr($r['body'], 0, 300);
                $a = null;
            }
            $answers[$i] = $a;
        }
        return array($answers, $failures, $peak);
    }

    private static function failureText(array $failures)
    {
        return count($failures) . ' failed, e.g. ' . implode(' | ', array_slice($failures, 0, 3, true)) . "\n" . self::$pool->logs();
    }

    /** libfcgi's cgi-fcgi (the FastCGI reference client) gets an answer from the pool too. */
    public function testCgiFcgiAnswer()
    {
        $store = new VaultStore(self::$service->socket);
        $store->deleteTokens();
        $store->saveToken(Tokens::make(array('user_name' => 'cgi@zylker.com', 'refresh_token' => '1000.rt.cgi', 'access_token' => '1000.at.cgi', 'expiry_time' => (string) (round(microtime(true) * 1000) + 3600000))));
        $cgiFcgi = trim((string) shell_exec('command -v cgi-fcgi'));
        $this->assertNotSame('', $cgiFcgi, 'cgi-fcgi is installed (apt-get install libfcgi-bin)');
        $env = FastCgi::params(self::$front, array('mode' => 'find', 'store' => 'vault', 'path' => self::$service->socket, 'user' => 'cgi@zylker.com'));
        $env['PATH'] = (string) getenv('PATH');
        $out = Service::run(array($cgiFcgi, '-bind', '-connect', self::$pool->socket), $env);
        $body = json_decode((string) substr($out, strpos($out, "\r\n\r\n") + 4), true);
        $this->assertIsArray($body, "cgi-fcgi's answer: " . substr($out, 0, 300) . "\n" . self::$pool->logs());
        $this->assertSame('1', $body['id']);
        $this->assertSame(self::fingerprint('1000.rt.cgi'), $body['rt']);
    }

    /** 200 requests, 24 in flight, on 16 workers: each constructs the store and finds a token. */
    public function testTwoHundredRequestsConstructAndFind()
    {
        $store = new VaultStore(self::$service->socket);
        $store->deleteTokens();
        $expected = array();
        for ($u = 0; $u < 50; $u++) {
            $t = Tokens::make(array(
                'user_name' => "fpm$u@zylker.com", 'client_id' => '1000.CID', 'client_secret' => 'client-secret-value',
                'refresh_token' => "1000.rt.fpm.$u", 'access_token' => "1000.at.fpm.$u",
                'expiry_time' => (string) (round(microtime(true) * 1000) + 3600000),
            ));
            $store->saveToken($t);
            $expected[$u] = array('id' => $t->getId(), 'rt' => self::fingerprint("1000.rt.fpm.$u"));
        }
        $queries = array();
        for ($i = 0; $i < self::REQUESTS; $i++) {
            $queries[] = array('mode' => 'find', 'store' => 'vault', 'path' => self::$service->socket, 'user' => 'fpm' . ($i % 50) . '@zylker.com');
        }
        list($answers, $failures, $peak) = self::fire($queries);
        $this->assertSame(array(), $failures, self::failureText($failures));
        $wrong = 0;
        $pids = array();
        foreach ($answers as $i => $a) {
            if ($a['id'] !== $expected[$i % 50]['id'] || $a['rt'] !== $expected[$i % 50]['rt']) {
                $wrong++;
            }
            $pids[$a['pid']] = true;
        }
        $this->assertSame(0, $wrong, 'every request found its own user\'s token');
        $this->assertCount(self::REQUESTS, $answers);
        $this->assertGreaterThanOrEqual(16, $peak, '16 or more requests were in flight at once');
        $workers = self::$pool->workerPids();
        $this->assertCount(self::WORKERS, $workers, 'the pool has its 16 workers');
        $this->assertSame(array(), array_diff(array_keys($pids), $workers), 'every answer came from a worker of the pool');
        $this->assertGreaterThan(1, count($pids));
        fwrite(STDERR, sprintf("\nPHP-FPM, %d workers: %d/%d requests served (construct VaultStore + findToken), 0 errors, %d in flight at most, %d workers answered\n",
            self::WORKERS, count($answers), self::REQUESTS, $peak, count($pids)));
    }

    /** The same pool at one expired token: the SDK's token flow in 200 requests, one refresh. */
    public function testOneExpiredTokenOneRefreshCall()
    {
        $store = new VaultStore(self::$service->socket);
        $store->deleteTokens();
        $old = array(
            'user_name' => 'bob@zylker.com', 'client_id' => '1000.CLIENTID', 'client_secret' => 'client-secret-value',
            'refresh_token' => '1000.rt.first', 'access_token' => '1000.at.old', 'expiry_time' => '1000',
            'api_domain' => self::$stubUrl,
        );
        $store->saveToken(Tokens::make($old));
        $queries = array_fill(0, self::REQUESTS, array('mode' => 'init', 'store' => 'vault', 'path' => self::$service->socket, 'user' => 'bob@zylker.com', 'accounts' => self::$stubUrl));
        $before = self::stubCalls();
        list($answers, $failures, $peak) = self::fire($queries);
        $vaultCalls = self::stubCalls() - $before;
        $this->assertSame(array(), $failures, self::failureText($failures));
        $this->assertSame(1, $vaultCalls, 'one refresh call at the accounts stub for 200 requests');
        $seen = array();
        foreach ($answers as $a) {
            $this->assertSame('1', $a['id']);
            $seen[$a['at']] = true;
        }
        $this->assertCount(1, $seen, 'every request got the same access token');
        $this->assertNotSame(self::fingerprint('1000.at.old'), array_keys($seen)[0], 'a fresh one');
        $tokens = $store->getTokens();
        $this->assertCount(1, $tokens);
        $this->assertSame(array_keys($seen)[0], self::fingerprint($tokens[0]->getAccessToken()));

        // The SDK's FileStore in the same pool, same expired token, same requests.
        $file = self::$pool->dir . '/filestore.csv';
        file_put_contents($file, "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,api_domain\n"
            . implode(',', Tokens::row(array('id' => '1') + $old)));
        foreach ($queries as $k => $q) {
            $queries[$k]['store'] = 'file';
            $queries[$k]['path'] = $file;
        }
        $before = self::stubCalls();
        list($fileAnswers, $fileFailures) = self::fire($queries);
        $fileCalls = self::stubCalls() - $before;
        $this->assertGreaterThanOrEqual(1, $fileCalls, 'the FileStore refreshed too');
        fwrite(STDERR, sprintf("\nPHP-FPM, %d workers, %d requests (%d in flight) at one expired token: VaultStore %d refresh call (%d/%d served), FileStore %d refresh calls (%d/%d served)\n",
            self::WORKERS, self::REQUESTS, $peak, $vaultCalls, self::REQUESTS - count($failures), self::REQUESTS, $fileCalls, self::REQUESTS - count($fileFailures), self::REQUESTS));
    }
}
