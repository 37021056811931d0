<?php
// A stand-in for Zoho's accounts server (php -S 127.0.0.1:PORT stub/accounts.php): every POST
// is an OAuth token call, answered with a fresh access token valid for an hour, and counted as
// one line (grant type only, never a token) in the file STUB_COUNT_FILE.
$count = getenv('STUB_COUNT_FILE');
// The SDK's revoke(): POST {accounts}/revoke with the refresh token. Counted as "revoke", with
// whether a refresh token came (never the token itself). The PHP SDK 8.0 names the form field
// `$TOKEN` (its Constants::TOKEN), not Zoho's documented `token`: both are read here.
if (substr(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH), -7) === '/revoke') {
    $field = isset($_POST['token']) ? $_POST['token'] : (isset($_POST['$TOKEN']) ? $_POST['$TOKEN'] : '');
    $sent = strpos($field, '1000.rt.') === 0;
    if ($count) {
        file_put_contents($count, 'revoke ' . ($sent ? 'refresh-token' : 'none') . "\n", FILE_APPEND | LOCK_EX);
    }
    header('Content-Type: application/json');
    echo json_encode(array('status' => 'success'));
    return;
}
$grant = isset($_POST['grant_type']) ? $_POST['grant_type'] : '?';
if ($count) {
    file_put_contents($count, $grant . "\n", FILE_APPEND | LOCK_EX);
}
usleep((int) (getenv('STUB_DELAY_MS') ?: 100) * 1000);
header('Content-Type: application/json');
if (!isset($_POST['client_id']) || ($grant === 'refresh_token' && empty($_POST['refresh_token']))) {
    echo json_encode(array('error' => 'invalid_client'));
    return;
}
$answer = array('access_token' => '1000.at.' . bin2hex(random_bytes(12)), 'expires_in' => 3600, 'token_type' => 'Bearer');
if ($grant === 'authorization_code') {
    $answer['refresh_token'] = '1000.rt.' . bin2hex(random_bytes(12));
}
echo json_encode($answer);
