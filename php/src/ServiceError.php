<?php

namespace Tokenvault\ZohoTokenStore;

/**
 * A failure talking to `tokenvault serve`: the cause of the SDKException that VaultStore throws
 * when the FileStore has no text for the case.
 *
 * `getServiceCode()` is the protocol's error code (`busy`, `vault_unavailable`, ...; see
 * docs/PROTOCOL.md §Errors), or `transport` when the service could not be reached or answered
 * something that is not the protocol. `getStatus()` is the HTTP status (0 without an answer).
 * The message is the service's own (it never holds a token field or a secret) or curl's.
 */
class ServiceError extends \RuntimeException
{
    /** @var float|null seconds from the answer's Retry-After, set for a 503 a retry may cure */
    public $retryAfter;
    private $serviceCode;
    private $status;

    public function __construct($serviceCode, $status, $message)
    {
        parent::__construct($message, (int) $status);
        $this->serviceCode = (string) $serviceCode;
        $this->status = (int) $status;
    }

    /** The protocol's error code, or `transport`. */
    public function getServiceCode()
    {
        return $this->serviceCode;
    }

    /** The HTTP status; 0 when there was no answer. */
    public function getStatus()
    {
        return $this->status;
    }
}
