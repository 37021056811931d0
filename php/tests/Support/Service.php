<?php

namespace Tokenvault\ZohoTokenStore\Tests\Support;

/**
 * A `tokenvault serve` on a fresh vault in a temporary directory, for the tests and the
 * benchmark. The binary is TOKENVAULT_BIN, else <repo>/target/debug/tokenvault.
 */
class Service
{
    public $dir;
    public $vault;
    public $keyFile;
    public $socket;
    public $log;
    private $process;
    private $pipes;

    public static function binary()
    {
        $bin = getenv('TOKENVAULT_BIN');
        if ($bin === false || $bin === '') {
            $bin = dirname(__DIR__, 3) . '/target/debug/tokenvault';
        }
        if (!is_executable($bin)) {
            throw new \RuntimeException("no tokenvault binary at $bin (set TOKENVAULT_BIN, or cargo build -p tokenvault-cli)");
        }
        return $bin;
    }

    /** @param string[] $extraArgs more `serve` options */
    public function __construct(array $extraArgs = array(), $dir = null)
    {
        $this->dir = $dir ?: self::tempDir('tv-php-');
        $this->vault = $this->dir . '/tokens.vault';
        $this->keyFile = $this->dir . '/app.key';
        $this->socket = $this->dir . '/run/tokenvault.sock';
        $this->log = $this->dir . '/serve.log';
        $env = self::env(array('TOKENVAULT_KEY_FILE' => $this->keyFile));
        if (!is_file($this->vault)) {
            self::run(array(self::binary(), '--vault', $this->vault, 'init', '--generate'), $env);
        }
        $cmd = array_merge(array(self::binary(), '--vault', $this->vault, 'serve', '--socket', $this->socket), $extraArgs);
        $this->process = proc_open($cmd, array(0 => array('file', '/dev/null', 'r'), 1 => array('file', $this->log, 'a'), 2 => array('file', $this->log, 'a')), $this->pipes, $this->dir, $env);
        if (!is_resource($this->process)) {
            throw new \RuntimeException('cannot start tokenvault serve');
        }
        $deadline = microtime(true) + 15;
        while (!file_exists($this->socket)) {
            $status = proc_get_status($this->process);
            if (!$status['running'] || microtime(true) > $deadline) {
                throw new \RuntimeException("tokenvault serve did not start:\n" . @file_get_contents($this->log));
            }
            usleep(20000);
        }
        // The socket file exists once bound; wait until the service answers on it.
        while (true) {
            $c = curl_init('http://localhost/v1/health');
            curl_setopt($c, CURLOPT_UNIX_SOCKET_PATH, $this->socket);
            curl_setopt($c, CURLOPT_RETURNTRANSFER, true);
            $ok = curl_exec($c) !== false && curl_getinfo($c, CURLINFO_RESPONSE_CODE) === 200;
            curl_close($c);
            if ($ok) {
                break;
            }
            if (microtime(true) > $deadline) {
                throw new \RuntimeException("tokenvault serve does not answer:\n" . @file_get_contents($this->log));
            }
            usleep(20000);
        }
    }

    public static function tempDir($prefix)
    {
        $dir = sys_get_temp_dir() . '/' . $prefix . bin2hex(random_bytes(6));
        mkdir($dir, 0700);
        return $dir;
    }

    public static function env(array $extra)
    {
        $env = getenv();
        unset($env['TOKENVAULT_SOCKET'], $env['TOKENVAULT_PATH'], $env['TOKENVAULT_PASSPHRASE']);
        return array_merge($env, $extra);
    }

    public static function run(array $cmd, array $env)
    {
        $p = proc_open($cmd, array(0 => array('file', '/dev/null', 'r'), 1 => array('pipe', 'w'), 2 => array('pipe', 'w')), $pipes, null, $env);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $rc = proc_close($p);
        if ($rc !== 0) {
            throw new \RuntimeException(implode(' ', $cmd) . " failed ($rc): $err");
        }
        return $out;
    }

    /** `tokenvault <args>` on this vault, e.g. export or list, with its key file. */
    public function cli(array $args)
    {
        return self::run(array_merge(array(self::binary(), '--vault', $this->vault), $args), self::env(array('TOKENVAULT_KEY_FILE' => $this->keyFile)));
    }

    public function metrics()
    {
        $c = curl_init('http://localhost/metrics');
        curl_setopt($c, CURLOPT_UNIX_SOCKET_PATH, $this->socket);
        curl_setopt($c, CURLOPT_RETURNTRANSFER, true);
        $text = curl_exec($c);
        curl_close($c);
        return (string) $text;
    }

    public function stop()
    {
        if ($this->process !== null) {
            $status = proc_get_status($this->process);
            if ($status['running']) {
                posix_kill($status['pid'], 15);
            }
            proc_close($this->process);
            $this->process = null;
        }
    }

    public function __destruct()
    {
        $this->stop();
    }

    public static function removeTree($dir)
    {
        if (!is_dir($dir) || is_link($dir)) {
            @unlink($dir);
            return;
        }
        foreach (scandir($dir) as $f) {
            if ($f !== '.' && $f !== '..') {
                self::removeTree("$dir/$f");
            }
        }
        @rmdir($dir);
    }
}
