<?php

namespace Tokenvault\ZohoTokenStore\Tests\Support;

/**
 * A small FastCGI client (the protocol's responder role, one request per connection, as a web
 * server talks to php-fpm) over a Unix socket, with stream sockets only: it keeps up to
 * `$inFlight` requests open at once and reads their answers with stream_select, so one PHP
 * process can load a php-fpm pool without a process per request.
 */
class FastCgi
{
    const VERSION = 1;
    const BEGIN_REQUEST = 1;
    const END_REQUEST = 3;
    const PARAMS = 4;
    const STDIN = 5;
    const STDOUT = 6;
    const STDERR = 7;
    const RESPONDER = 1;

    /**
     * Sends every request (a map of FastCGI params each: SCRIPT_FILENAME, QUERY_STRING, ...)
     * with at most $inFlight open at once. Returns, in the requests' order, one result each:
     * `status` (the HTTP status from the script's Status header, 200 without one), `body`,
     * `stderr`, `ms` (connect to END_REQUEST), `error` (null, or why there is no answer).
     * `peak` (by reference): the most requests that were open at once.
     */
    public static function run($socket, array $requests, $inFlight, $timeout = 60.0, &$peak = null)
    {
        $results = array();
        $pending = array_keys($requests);
        $open = array(); // request index => [stream, buffer, started, stdout, stderr]
        $peak = 0;
        $deadline = microtime(true) + $timeout;
        while ($pending || $open) {
            while ($pending && count($open) < $inFlight) {
                $i = array_shift($pending);
                $started = hrtime(true);
                $s = @stream_socket_client("unix://$socket", $errno, $errstr, 10);
                if ($s === false) {
                    $results[$i] = self::failed("connect: $errstr ($errno)", $started);
                    continue;
                }
                $payload = self::encode(1, $requests[$i]);
                for ($written = 0; $written < strlen($payload); $written += $n) {
                    $n = @fwrite($s, substr($payload, $written));
                    if ($n === false || $n === 0) {
                        break;
                    }
                }
                if ($written < strlen($payload)) {
                    fclose($s);
                    $results[$i] = self::failed('write failed', $started);
                    continue;
                }
                stream_set_blocking($s, false);
                $open[$i] = array($s, '', $started, '', '');
                $peak = max($peak, count($open));
            }
            if (!$open) {
                continue;
            }
            $left = $deadline - microtime(true);
            if ($left <= 0) {
                foreach ($open as $i => $o) {
                    fclose($o[0]);
                    $results[$i] = self::failed('timeout', $o[2]);
                }
                $open = array();
                foreach ($pending as $i) {
                    $results[$i] = self::failed('timeout (not sent)', hrtime(true));
                }
                $pending = array();
                break;
            }
            $read = array();
            foreach ($open as $o) {
                $read[] = $o[0];
            }
            $write = $except = null;
            if (@stream_select($read, $write, $except, (int) $left, (int) (($left - (int) $left) * 1e6)) === false) {
                throw new \RuntimeException('stream_select failed');
            }
            foreach ($read as $ready) {
                foreach ($open as $i => $o) {
                    if ($o[0] !== $ready) {
                        continue;
                    }
                    $chunk = fread($ready, 65536);
                    if ($chunk === false || ($chunk === '' && feof($ready))) {
                        fclose($ready);
                        unset($open[$i]);
                        $results[$i] = self::failed('connection closed before END_REQUEST', $o[2]);
                        break;
                    }
                    $open[$i][1] .= $chunk;
                    $done = self::records($open[$i]);
                    if ($done !== null) {
                        fclose($ready);
                        unset($open[$i]);
                        $results[$i] = self::answer($o[2], $done);
                    }
                    break;
                }
            }
        }
        ksort($results);
        return $results;
    }

    /** Consumes whole records from the buffer; returns [stdout, stderr, appStatus] at END_REQUEST. */
    private static function records(array &$o)
    {
        while (strlen($o[1]) >= 8) {
            $h = unpack('Cversion/Ctype/nid/nlength/Cpadding', $o[1]);
            $size = 8 + $h['length'] + $h['padding'];
            if (strlen($o[1]) < $size) {
                return null;
            }
            $content = substr($o[1], 8, $h['length']);
            $o[1] = (string) substr($o[1], $size);
            if ($h['type'] === self::STDOUT) {
                $o[3] .= $content;
            } elseif ($h['type'] === self::STDERR) {
                $o[4] .= $content;
            } elseif ($h['type'] === self::END_REQUEST) {
                $end = unpack('NappStatus/Cprotocol', $content);
                return array($o[3], $o[4], $end['appStatus'], $end['protocol']);
            }
        }
        return null;
    }

    private static function answer($started, array $done)
    {
        list($stdout, $stderr, $appStatus, $protocol) = $done;
        $status = 200;
        $body = $stdout;
        $split = strpos($stdout, "\r\n\r\n");
        if ($split !== false) {
            $body = (string) substr($stdout, $split + 4);
            foreach (explode("\r\n", substr($stdout, 0, $split)) as $line) {
                if (stripos($line, 'Status:') === 0) {
                    $status = (int) trim(substr($line, 7));
                }
            }
        }
        return array(
            'status' => $status,
            'body' => $body,
            'stderr' => $stderr,
            'ms' => (hrtime(true) - $started) / 1e6,
            'error' => $protocol === 0 ? null : "FastCGI protocol status $protocol",
        );
    }

    private static function failed($why, $started)
    {
        return array('status' => 0, 'body' => '', 'stderr' => '', 'ms' => (hrtime(true) - $started) / 1e6, 'error' => $why);
    }

    /** BEGIN_REQUEST, the params, the empty params record, the empty stdin record. */
    private static function encode($id, array $params)
    {
        $pairs = '';
        foreach ($params as $name => $value) {
            $name = (string) $name;
            $value = (string) $value;
            $pairs .= self::length($name) . self::length($value) . $name . $value;
        }
        $out = self::record(self::BEGIN_REQUEST, $id, pack('nCx5', self::RESPONDER, 0));
        foreach (str_split($pairs, 65535) as $part) {
            $out .= self::record(self::PARAMS, $id, $part);
        }
        return $out . self::record(self::PARAMS, $id, '') . self::record(self::STDIN, $id, '');
    }

    private static function length($s)
    {
        $n = strlen($s);
        return $n < 128 ? chr($n) : pack('N', $n | 0x80000000);
    }

    private static function record($type, $id, $content)
    {
        $padding = (8 - strlen($content) % 8) % 8;
        return pack('CCnnCx', self::VERSION, $type, $id, strlen($content), $padding) . $content . str_repeat("\0", $padding);
    }

    /** The params a web server sends for a GET of $script with this query. */
    public static function params($script, array $query)
    {
        $qs = http_build_query($query);
        return array(
            'GATEWAY_INTERFACE' => 'FastCGI/1.0',
            'REQUEST_METHOD' => 'GET',
            'SCRIPT_FILENAME' => $script,
            'SCRIPT_NAME' => '/' . basename($script),
            'REQUEST_URI' => '/' . basename($script) . '?' . $qs,
            'QUERY_STRING' => $qs,
            'SERVER_SOFTWARE' => 'tokenvault-test',
            'SERVER_PROTOCOL' => 'HTTP/1.1',
            'SERVER_NAME' => 'localhost',
            'SERVER_PORT' => '80',
            'REMOTE_ADDR' => '127.0.0.1',
            'CONTENT_LENGTH' => '0',
        );
    }
}
