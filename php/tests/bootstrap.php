<?php
require __DIR__ . '/autoload.php';
require __DIR__ . '/Support/Service.php';
require __DIR__ . '/Support/Tokens.php';
