<?php

namespace Tokenvault\ZohoTokenStore\Tests\Support;

/**
 * A php-fpm master with one pool of its own in a directory: pm = static with N workers,
 * listening on a Unix socket there, not daemonized, its logs in files there, running as the
 * current user (as root with -R). The binary is PHP_FPM_BIN, else php-fpm / php-fpmX.Y on PATH or
 * in /usr/sbin (Debian's php-fpm package).
 */
class FpmPool
{
    public $dir;
    public $socket;
    public $errorLog;
    public $phpErrorLog;
    public $workers;
    private $process;

    public static function binary()
    {
        $bin = getenv('PHP_FPM_BIN');
        if ($bin !== false && $bin !== '') {
            return $bin;
        }
        $names = array('php-fpm' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION, 'php-fpm');
        $dirs = array_merge(explode(PATH_SEPARATOR, (string) getenv('PATH')), array('/usr/sbin', '/usr/local/sbin'));
        foreach ($names as $name) {
            foreach ($dirs as $d) {
                if ($d !== '' && is_file("$d/$name") && is_executable("$d/$name")) {
                    return "$d/$name";
                }
            }
        }
        throw new \RuntimeException('no php-fpm binary (apt-get install php-fpm, or set PHP_FPM_BIN)');
    }

    public function __construct($dir, $workers = 16)
    {
        if (!is_dir($dir)) {
            mkdir($dir, 0700, true);
        }
        $this->dir = $dir;
        $this->workers = $workers;
        $this->socket = "$dir/fpm.sock";
        $this->errorLog = "$dir/fpm-error.log";
        $this->phpErrorLog = "$dir/php-error.log";
        $pw = posix_getpwuid(posix_geteuid());
        $gr = posix_getgrgid(posix_getegid());
        $user = $pw !== false ? $pw['name'] : (string) posix_geteuid();
        $group = $gr !== false ? $gr['name'] : (string) posix_getegid();
        $conf = "$dir/php-fpm.conf";
        file_put_contents($conf, <<<CONF
[global]
pid = $dir/fpm.pid
error_log = {$this->errorLog}
log_level = notice
daemonize = no

[tokenvault-test]
user = $user
group = $group
listen = {$this->socket}
listen.mode = 0600
listen.backlog = 511
pm = static
pm.max_children = $workers
pm.max_requests = 0
request_terminate_timeout = 120s
chdir = $dir
clear_env = yes
catch_workers_output = yes
php_admin_flag[log_errors] = on
php_admin_value[error_log] = {$this->phpErrorLog}
php_admin_flag[display_errors] = off

CONF
        );
        $cmd = array(self::binary(), '--nodaemonize', '--fpm-config', $conf, '--prefix', $dir);
        if (posix_geteuid() === 0) {
            $cmd[] = '--allow-to-run-as-root';
        }
        $this->process = proc_open($cmd, array(0 => array('file', '/dev/null', 'r'), 1 => array('file', "$dir/fpm-stdout.log", 'a'), 2 => array('file', "$dir/fpm-stdout.log", 'a')), $pipes, $dir);
        if (!is_resource($this->process)) {
            throw new \RuntimeException('cannot start php-fpm');
        }
        $deadline = microtime(true) + 15;
        while (!file_exists($this->socket)) {
            $status = proc_get_status($this->process);
            if (!$status['running'] || microtime(true) > $deadline) {
                throw new \RuntimeException("php-fpm did not start:\n" . $this->logs());
            }
            usleep(20000);
        }
    }

    /** The master's and the workers' logs (for a failure message). */
    public function logs()
    {
        $out = '';
        foreach (array("{$this->dir}/fpm-stdout.log", $this->errorLog, $this->phpErrorLog) as $f) {
            if (is_file($f)) {
                $out .= "== " . basename($f) . "\n" . substr((string) file_get_contents($f), -4000);
            }
        }
        return $out;
    }

    /** The worker processes' ids (children of the master), from /proc. */
    public function workerPids()
    {
        $status = proc_get_status($this->process);
        $pids = array();
        foreach (glob('/proc/[0-9]*/stat') ?: array() as $stat) {
            $text = @file_get_contents($stat);
            if ($text !== false && preg_match('/\) \S+ (\d+) /', $text, $m) && (int) $m[1] === $status['pid']) {
                $pids[] = (int) basename(dirname($stat));
            }
        }
        return $pids;
    }

    public function stop()
    {
        if ($this->process === null) {
            return;
        }
        $status = proc_get_status($this->process);
        if ($status['running']) {
            posix_kill($status['pid'], 3); // SIGQUIT: graceful stop
            $deadline = microtime(true) + 10;
            while (proc_get_status($this->process)['running'] && microtime(true) < $deadline) {
                usleep(20000);
            }
            if (proc_get_status($this->process)['running']) {
                posix_kill($status['pid'], 9);
            }
        }
        proc_close($this->process);
        $this->process = null;
    }

    public function __destruct()
    {
        $this->stop();
    }
}
