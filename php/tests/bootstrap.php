<?php
require __DIR__ . '/autoload.php';
require __DIR__ . '/Support/Service.php';
require __DIR__ . '/Support/Tokens.php';
require __DIR__ . '/Support/FastCgi.php';
require __DIR__ . '/Support/FpmPool.php';
