<?php

namespace Tokenvault\ZohoTokenStore\Tests;

use PHPUnit\Framework\TestCase;
use com\zoho\crm\api\exception\SDKException;
use Tokenvault\ZohoTokenStore\Tests\Support\Service;
use Tokenvault\ZohoTokenStore\Tests\Support\Tokens;
use Tokenvault\ZohoTokenStore\VaultStore;

/**
 * Replays the PHP FileStore's recorded answers (data/php-filestore-cases.json, or the file named
 * by TOKENVAULT_PHP_CASES) through VaultStore and the service. Every case must give the
 * FileStore's answer, or be one of the divergences of docs/COMPAT.md §PHP SDK, checked here for
 * the vault's answer instead.
 */
class RecordedCasesTest extends TestCase
{
    /** @var Service */
    private static $service;

    public static function setUpBeforeClass(): void
    {
        self::$service = new Service();
    }

    public static function tearDownAfterClass(): void
    {
        self::$service->stop();
        Service::removeTree(self::$service->dir);
    }

    public function testEveryRecordedCase()
    {
        $path = getenv('TOKENVAULT_PHP_CASES') ?: __DIR__ . '/data/php-filestore-cases.json';
        $doc = json_decode(file_get_contents($path), true);
        $this->assertSame(1, $doc['schema']);
        $this->assertGreaterThan(400, count($doc['cases']));
        $store = new VaultStore(self::$service->socket);
        $failures = array();
        $divergences = array();
        foreach ($doc['cases'] as $case) {
            $rule = self::divergence($case);
            $problems = $this->replay($store, $case, $rule);
            if ($problems) {
                $failures[] = $case['name'] . ($rule ? " [$rule]" : '') . ":\n    " . implode("\n    ", $problems);
            } elseif ($rule) {
                $divergences[$rule] = (isset($divergences[$rule]) ? $divergences[$rule] : 0) + 1;
            }
        }
        fwrite(STDERR, "\nrecorded PHP FileStore cases: " . count($doc['cases']) . ', divergences checked: ' . json_encode($divergences) . "\n");
        $this->assertSame(array(), $failures, count($failures) . " cases differ:\n" . implode("\n", $failures));
    }

    /**
     * The divergence a case falls under (docs/COMPAT.md §PHP SDK), or null.
     * - find-by-id: a find whose query selects none of the FileStore's three rules but has an
     *   id; the FileStore returns it unchanged, the vault fills it from the token with that id.
     * - csv-quoting: a save whose values hold a comma, a quote or a line break; the FileStore
     *   writes them unquoted and its file no longer reads back, the vault keeps them intact.
     */
    private static function divergence(array $case)
    {
        $op = $case['op'];
        if ($op['op'] === 'save_token') {
            foreach ($op['token'] as $v) {
                if (is_string($v) && strpbrk($v, ",\"\n\r") !== false) {
                    return 'csv-quoting';
                }
            }
        }
        if ($op['op'] === 'find_token' && self::phpRule($op['token']) === null && self::filled($op['token'], 'id')) {
            foreach ($case['rows_before'] as $row) {
                if ($row[0] === (string) $op['token']['id']) {
                    return 'find-by-id';
                }
            }
        }
        return null;
    }

    private static function filled(array $t, $name)
    {
        return isset($t[$name]) && $t[$name] !== '';
    }

    /** The FileStore's checkCondition: which rule a query selects (PHP: "" is null). */
    private static function phpRule(array $t)
    {
        if (isset($t['user_name'])) {
            return 'user_name';
        }
        if (self::filled($t, 'access_token') && !self::filled($t, 'client_id') && !self::filled($t, 'client_secret')) {
            return 'access_token';
        }
        if ((self::filled($t, 'refresh_token') || self::filled($t, 'grant_token')) && self::filled($t, 'client_id') && self::filled($t, 'client_secret')) {
            return 'grant_or_refresh';
        }
        return null;
    }

    private function replay(VaultStore $store, array $case, $rule)
    {
        $store->deleteTokens();
        foreach ($case['rows_before'] as $row) {
            $fields = array_combine(Tokens::COLUMNS, $row);
            $store->saveToken(Tokens::make(array_map(function ($v) {
                return $v === '' ? null : $v;
            }, $fields)));
        }
        $op = $case['op'];
        $expected = $case['result'];
        $problems = array();
        $passed = null;
        try {
            switch ($op['op']) {
                case 'find_token':
                    $passed = Tokens::make($op['token']);
                    $returned = $store->findToken($passed);
                    $result = array('kind' => 'token', 'same_object' => $returned === $passed, 'token' => Tokens::fields($returned));
                    break;
                case 'find_token_by_id':
                    $result = array('kind' => 'token', 'token' => Tokens::fields($store->findTokenById($op['id'])));
                    break;
                case 'save_token':
                    $passed = Tokens::make($op['token']);
                    $store->saveToken($passed);
                    $result = array('kind' => 'ok');
                    break;
                case 'delete_token':
                    $store->deleteToken($op['id']);
                    $result = array('kind' => 'ok');
                    break;
                case 'get_tokens':
                    $result = array('kind' => 'tokens', 'tokens' => array_map(array(Tokens::class, 'fields'), $store->getTokens()));
                    break;
                case 'delete_tokens':
                    $store->deleteTokens();
                    $result = array('kind' => 'ok');
                    break;
            }
        } catch (SDKException $e) {
            $result = array('kind' => 'error', 'class' => get_class($e), 'code' => $e->getErrorCode(), 'message' => $e->getMessage());
        }
        $rows = array();
        foreach ($store->getTokens() as $t) {
            $rows[] = Tokens::row(Tokens::fields($t));
        }
        $tokenAfter = $passed !== null ? Tokens::fields($passed) : null;

        if ($rule === 'find-by-id') {
            // The vault fills the query from the token with its id, as setMergeData would.
            $stored = null;
            foreach ($case['rows_before'] as $row) {
                if ($row[0] === (string) $op['token']['id']) {
                    $stored = $row;
                }
            }
            $want = self::phpMerge($op['token'], $stored);
            if ($result['token'] !== $want || !$result['same_object'] || $tokenAfter !== $want) {
                $problems[] = 'find-by-id: got ' . json_encode($result) . ' want ' . json_encode($want);
            }
            if ($rows !== $case['rows_after']) {
                $problems[] = 'rows_after: got ' . json_encode($rows) . ' want ' . json_encode($case['rows_after']);
            }
            return $problems;
        }
        if ($rule === 'csv-quoting') {
            // The vault keeps the values; the FileStore's file is broken. Each given value is stored intact.
            if ($result !== array('kind' => 'ok')) {
                $problems[] = 'csv-quoting: save answered ' . json_encode($result);
            }
            $last = end($rows);
            foreach ($op['token'] as $name => $v) {
                if (is_string($v) && $v !== '' && $last[array_search($name, Tokens::COLUMNS, true)] !== $v) {
                    $problems[] = "csv-quoting: $name not stored intact";
                }
            }
            return $problems;
        }
        if ($result !== $expected) {
            $problems[] = 'result: got ' . json_encode($result) . ' want ' . json_encode($expected);
        }
        if (isset($case['token_after']) && $tokenAfter !== $case['token_after']) {
            $problems[] = 'token_after: got ' . json_encode($tokenAfter) . ' want ' . json_encode($case['token_after']);
        }
        if ($rows !== $case['rows_after']) {
            $problems[] = 'rows_after: got ' . json_encode($rows) . ' want ' . json_encode($case['rows_after']);
        }
        return $problems;
    }

    /** The FileStore's setMergeData of a query with a stored row, as fields. */
    private static function phpMerge(array $query, array $row)
    {
        $token = Tokens::make($query);
        $stored = array_combine(Tokens::COLUMNS, $row);
        $out = Tokens::fields($token);
        foreach (Tokens::COLUMNS as $name) {
            $value = $stored[$name] === '' ? null : $stored[$name];
            if ($name === 'user_name' || $name === 'expiry_time') {
                if ($out[$name] == null && $value !== null) {
                    $out[$name] = $value;
                }
            } elseif ($out[$name] == null) {
                $out[$name] = $value;
            }
        }
        return $out;
    }
}
