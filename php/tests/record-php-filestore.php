<?php
// Records the Zoho CRM PHP SDK's FileStore on the operations of
// tests/data/compat/filestore-cases.json (the Python FileStore's cases): each case on a fresh
// file holding the same rows_before, the same operation, and what the PHP FileStore answered.
//
//   php php/tests/record-php-filestore.php [CASES_IN] [OUT]
//
// Defaults: ../../tests/data/compat/filestore-cases.json -> data/php-filestore-cases.json.
// Uses the SDK in vendor-sdk/ (or ZOHO_SDK_SRC). See data/README.md.

require __DIR__ . '/autoload.php';

use com\zoho\api\authenticator\store\FileStore;
use Tokenvault\ZohoTokenStore\Tests\Support\Tokens;

$in = isset($argv[1]) ? $argv[1] : dirname(__DIR__, 2) . '/tests/data/compat/filestore-cases.json';
$out = isset($argv[2]) ? $argv[2] : __DIR__ . '/data/php-filestore-cases.json';
$source = json_decode(file_get_contents($in), true);
$dir = sys_get_temp_dir() . '/tv-php-record-' . getmypid();
@mkdir($dir, 0700);

$warnings = array();
set_error_handler(function ($no, $text) use (&$warnings) {
    $warnings[] = $text;
    return true;
});

function fileRows($path)
{
    $rows = array();
    $lines = file($path, FILE_IGNORE_NEW_LINES);
    for ($i = 1; $i < count($lines); $i++) {
        $rows[] = str_getcsv($lines[$i]);
    }
    return $rows;
}

$cases = array();
foreach ($source['cases'] as $n => $case) {
    $file = "$dir/case-$n.csv";
    $lines = array(implode(',', $source['columns']));
    foreach ($case['rows_before'] as $row) {
        $lines[] = implode(',', $row);
    }
    file_put_contents($file, implode("\n", $lines));
    $warnings = array();
    $store = new FileStore($file);
    $op = $case['op'];
    $record = array('name' => $case['name'], 'rows_before' => $case['rows_before'], 'op' => $op);
    $passed = null;
    try {
        switch ($op['op']) {
            case 'find_token':
                $passed = Tokens::make($op['token']);
                $returned = $store->findToken($passed);
                $record['result'] = array('kind' => 'token', 'same_object' => $returned === $passed, 'token' => Tokens::fields($returned));
                break;
            case 'find_token_by_id':
                $record['result'] = array('kind' => 'token', 'token' => Tokens::fields($store->findTokenById($op['id'])));
                break;
            case 'save_token':
                $passed = Tokens::make($op['token']);
                $store->saveToken($passed);
                $record['result'] = array('kind' => 'ok');
                break;
            case 'delete_token':
                $store->deleteToken($op['id']);
                $record['result'] = array('kind' => 'ok');
                break;
            case 'get_tokens':
                $record['result'] = array('kind' => 'tokens', 'tokens' => array_map(array(Tokens::class, 'fields'), $store->getTokens()));
                break;
            case 'delete_tokens':
                $store->deleteTokens();
                $record['result'] = array('kind' => 'ok');
                break;
            default:
                throw new RuntimeException('unknown op ' . $op['op']);
        }
    } catch (\com\zoho\crm\api\exception\SDKException $e) {
        $record['result'] = array('kind' => 'error', 'class' => get_class($e), 'code' => $e->getErrorCode(), 'message' => $e->getMessage());
    } catch (\Throwable $e) {
        $record['result'] = array('kind' => 'php_error', 'class' => get_class($e), 'message' => $e->getMessage());
    }
    if ($passed !== null) {
        $record['token_after'] = Tokens::fields($passed);
    }
    $record['rows_after'] = fileRows($file);
    if ($warnings) {
        $record['php_warnings'] = array_values(array_unique($warnings));
    }
    $cases[] = $record;
    unlink($file);
}
rmdir($dir);

$doc = array(
    'schema' => 1,
    'recorded_from' => 'zohocrm/php-sdk-8.0 (github.com/zoho/zohocrm-php-sdk-8.0 b0bf9d520c595ca3ed3976f5e2c53cb608a146f0), FileStore (PHP ' . PHP_VERSION . ')',
    'operations_from' => 'tests/data/compat/filestore-cases.json (' . $source['recorded_from'] . ')',
    'columns' => $source['columns'],
    'cases' => $cases,
);
file_put_contents($out, json_encode($doc, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION) . "\n");
fwrite(STDERR, count($cases) . " cases recorded to $out\n");
