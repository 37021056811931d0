<?php
// Autoloading for the tests, the recorder and the benchmark, without composer: the package
// (PSR-4 Tokenvault\ZohoTokenStore\ -> ../src/) and the SDK subset in vendor-sdk/ (the SDK's own
// composer.json maps "" -> src/). ZOHO_SDK_SRC may name another copy of the SDK's src/.
spl_autoload_register(function ($class) {
    $prefixes = array(
        'Tokenvault\\ZohoTokenStore\\Tests\\' => __DIR__ . '/',
        'Tokenvault\\ZohoTokenStore\\' => dirname(__DIR__) . '/src/',
    );
    foreach ($prefixes as $prefix => $dir) {
        if (strncmp($class, $prefix, strlen($prefix)) === 0) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
    $sdk = getenv('ZOHO_SDK_SRC') ?: __DIR__ . '/vendor-sdk/src';
    $file = $sdk . '/' . str_replace('\\', '/', $class) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
