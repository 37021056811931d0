<?php

namespace Tokenvault\ZohoTokenStore\Tests;

use PHPUnit\Framework\TestCase;
use Tokenvault\ZohoTokenStore\Tests\Support\Service;
use Tokenvault\ZohoTokenStore\Tests\Support\Tokens;
use Tokenvault\ZohoTokenStore\VaultStore;

/**
 * The SDK's own token flow (InitializeBuilder, OAuthToken::getToken, its curl call to the
 * accounts URL) on VaultStore, each SDK run in a PHP CLI process of its own, with Zoho's accounts
 * server replaced by a local stub (php -S) through DataCenter::setEnvironment.
 */
class TokenFlowTest extends TestCase
{
    /** @var Service */
    private static $service;
    private static $stub;
    private static $stubUrl;
    private static $countFile;

    public static function setUpBeforeClass(): void
    {
        self::$service = new Service();
        self::$countFile = self::$service->dir . '/stub-calls';
        $port = self::freePort();
        self::$stubUrl = "http://127.0.0.1:$port";
        $env = Service::env(array('STUB_COUNT_FILE' => self::$countFile, 'PHP_CLI_SERVER_WORKERS' => '8', 'STUB_DELAY_MS' => '200'));
        self::$stub = proc_open(array(PHP_BINARY, '-S', "127.0.0.1:$port", __DIR__ . '/stub/accounts.php'), array(0 => array('file', '/dev/null', 'r'), 1 => array('file', '/dev/null', 'w'), 2 => array('file', '/dev/null', 'w')), $pipes, null, $env);
        $deadline = microtime(true) + 10;
        while (!@fsockopen('127.0.0.1', $port) && microtime(true) < $deadline) {
            usleep(50000);
        }
    }

    public static function tearDownAfterClass(): void
    {
        $status = proc_get_status(self::$stub);
        posix_kill($status['pid'], 15);
        proc_close(self::$stub);
        self::$service->stop();
        Service::removeTree(self::$service->dir);
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

    /** Runs `php flow/sdk.php ARGS...` in N processes at once; returns their decoded outputs. */
    private static function sdk(array $args, $processes = 1)
    {
        $running = array();
        for ($i = 0; $i < $processes; $i++) {
            $a = array();
            foreach ($args as $arg) {
                $a[] = str_replace('{i}', (string) $i, $arg);
            }
            $p = proc_open(array_merge(array(PHP_BINARY, __DIR__ . '/flow/sdk.php'), $a), array(0 => array('file', '/dev/null', 'r'), 1 => array('pipe', 'w'), 2 => array('pipe', 'w')), $pipes);
            $running[] = array($p, $pipes);
        }
        $out = array();
        foreach ($running as $r) {
            list($p, $pipes) = $r;
            $stdout = stream_get_contents($pipes[1]);
            $stderr = stream_get_contents($pipes[2]);
            fclose($pipes[1]);
            fclose($pipes[2]);
            $rc = proc_close($p);
            if ($rc !== 0) {
                throw new \RuntimeException("sdk.php failed ($rc): $stdout $stderr");
            }
            $out[] = json_decode(trim($stdout), true);
        }
        return $out;
    }

    private function store()
    {
        return new VaultStore(self::$service->socket);
    }

    public function testFirstStartRestartsExpiryAndRemove()
    {
        $store = $this->store();
        $store->deleteTokens();
        $vault = 'vault:' . self::$service->socket;
        $log = self::$service->dir . '/sdk.log';
        $before = self::stubCalls();

        // First start: nothing stored, the SDK refreshes with its refresh token and saves one token.
        $first = self::sdk(array('init', $vault, self::$stubUrl, 'ann@zylker.com', $log))[0];
        $this->assertSame(1, self::stubCalls() - $before);
        $this->assertSame('1', $first['id']);
        $tokens = $store->getTokens();
        $this->assertCount(1, $tokens);
        $this->assertSame('ann@zylker.com', $tokens[0]->getUserSignature()->getName());
        $this->assertSame('1000.rt.first', $tokens[0]->getRefreshToken());
        $this->assertMatchesRegularExpression('/^\d{13}$/', $tokens[0]->getExpiresIn());
        $access = $tokens[0]->getAccessToken();

        // Restart by user name: the stored token is not due; no call to Zoho, same token.
        self::sdk(array('init', $vault, self::$stubUrl, 'ann@zylker.com'));
        $this->assertSame(1, self::stubCalls() - $before);
        $this->assertSame($access, $store->findTokenById('1')->getAccessToken());

        // Restart by refresh token (no user name): the FileStore's grant/refresh rule finds it.
        $byRefresh = Tokens::make(array('client_id' => '1000.CLIENTID', 'client_secret' => 'x', 'refresh_token' => '1000.rt.first'));
        $this->assertSame($byRefresh, $store->findToken($byRefresh));
        $this->assertSame('1', $byRefresh->getId());
        $this->assertSame($access, $byRefresh->getAccessToken());

        // Expired: one refresh, saved in place (same id, still one token).
        $expired = Tokens::make(array('id' => '1', 'expiry_time' => '1000'));
        $store->saveToken($expired);
        $this->assertSame('1000', $store->findTokenById('1')->getExpiresIn(), 'the test token is expired');
        self::sdk(array('init', $vault, self::$stubUrl, 'ann@zylker.com'));
        $this->assertSame(2, self::stubCalls() - $before);
        $tokens = $store->getTokens();
        $this->assertCount(1, $tokens);
        $this->assertSame('1', $tokens[0]->getId());
        $this->assertNotSame($access, $tokens[0]->getAccessToken());
        $this->assertGreaterThan(round(microtime(true) * 1000) + 3000000, (float) $tokens[0]->getExpiresIn());

        // Revoke by id needs findToken to match an id-only token (the FileStore cannot).
        $byId = Tokens::make(array('id' => '1'));
        $store->findToken($byId);
        $this->assertSame('1000.rt.first', $byId->getRefreshToken());

        // Secrets are in neither the SDK's log nor the vault file.
        $secrets = array('client-secret-value', '1000.rt.first', $access, $tokens[0]->getAccessToken());
        $logText = (string) @file_get_contents($log);
        $this->assertNotSame('', $logText, 'the SDK wrote its log');
        $vaultBytes = file_get_contents(self::$service->vault);
        foreach ($secrets as $secret) {
            $this->assertStringNotContainsString($secret, $logText);
            $this->assertStringNotContainsString($secret, $vaultBytes);
        }

        // The SDK's revoke($id) end to end: the store fills the id-only token, the SDK sends its
        // refresh token to the accounts server's revoke endpoint (the FileStore sends nothing).
        $revoked = self::sdk(array('revoke', $vault, self::$stubUrl, '1'))[0];
        $this->assertSame(array('revoked' => true), $revoked);
        $this->assertSame(3, self::stubCalls() - $before);
        $lines = file(self::$countFile, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES);
        $this->assertSame('revoke refresh-token', end($lines));

        // Restart by id (findTokenById, not due: no call), then the SDK's remove() (deleteToken).
        $byIdRun = self::sdk(array('byid', $vault, self::$stubUrl, '1', 'remove'))[0];
        $this->assertSame(array('id' => '1', 'access_token_prefix' => '1000.at.', 'removed' => true), $byIdRun);
        $this->assertSame(3, self::stubCalls() - $before);
        $this->assertSame(array(), $store->getTokens());
    }

    public function testEightProcessesOneExpiredTokenOneRefresh()
    {
        $store = $this->store();
        $store->deleteTokens();
        $store->saveToken(Tokens::make(array(
            'user_name' => 'bob@zylker.com', 'client_id' => '1000.CLIENTID', 'client_secret' => 'client-secret-value',
            'refresh_token' => '1000.rt.first', 'access_token' => '1000.at.old', 'expiry_time' => '1000',
            'api_domain' => self::$stubUrl,
        )));
        $before = self::stubCalls();
        $out = self::sdk(array('init', 'vault:' . self::$service->socket, self::$stubUrl, 'bob@zylker.com'), 8);
        $this->assertSame(1, self::stubCalls() - $before, 'one refresh for eight processes');
        foreach ($out as $o) {
            $this->assertSame('1', $o['id']);
        }
        $this->assertCount(1, $store->getTokens());
        $this->assertNotSame('1000.at.old', $store->findTokenById('1')->getAccessToken());

        // The SDK's FileStore, same processes, same expired token: every process refreshes.
        $file = self::$service->dir . '/filestore.csv';
        file_put_contents($file, "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,api_domain\n"
            . '1,bob@zylker.com,1000.CLIENTID,client-secret-value,1000.rt.first,1000.at.old,,1000,,' . self::$stubUrl);
        $before = self::stubCalls();
        self::sdk(array('init', "file:$file", self::$stubUrl, 'bob@zylker.com'), 8);
        fwrite(STDERR, "\n8 processes, one expired token: VaultStore 1 refresh call, FileStore " . (self::stubCalls() - $before) . " refresh calls\n");
    }

    public function testEightProcessesTimes25Saves()
    {
        $store = $this->store();
        $store->deleteTokens();
        $out = self::sdk(array('saves', 'vault:' . self::$service->socket, '{i}', '25'), 8);
        $this->assertCount(8, $out);
        $tokens = $store->getTokens();
        $this->assertCount(200, $tokens);
        $ids = array();
        $readable = 0;
        for ($p = 0; $p < 8; $p++) {
            for ($i = 0; $i < 25; $i++) {
                $q = Tokens::make(array('user_name' => "p$p-$i@zylker.com"));
                $store->findToken($q);
                if ($q->getRefreshToken() === "1000.rt.p$p.$i" && $q->getAccessToken() === "1000.at.p$p.$i") {
                    $readable++;
                }
                $ids[$q->getId()] = true;
            }
        }
        $this->assertSame(200, $readable);
        $this->assertCount(200, $ids, 'every token has an id of its own');
    }
}
