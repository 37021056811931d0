<?php

namespace Tokenvault\ZohoTokenStore\Tests\Support;

use com\zoho\api\authenticator\OAuthToken;
use com\zoho\crm\api\UserSignature;

/** Builds SDK OAuthTokens from the cases' field maps and reads them back. */
class Tokens
{
    const COLUMNS = array('id', 'user_name', 'client_id', 'client_secret', 'refresh_token', 'access_token', 'grant_token', 'expiry_time', 'redirect_url', 'api_domain');

    const SETTERS = array(
        'id' => 'setId',
        'client_id' => 'setClientId',
        'client_secret' => 'setClientSecret',
        'refresh_token' => 'setRefreshToken',
        'access_token' => 'setAccessToken',
        'grant_token' => 'setGrantToken',
        'expiry_time' => 'setExpiresIn',
        'redirect_url' => 'setRedirectURL',
        'api_domain' => 'setAPIDomain',
    );

    const GETTERS = array(
        'id' => 'getId',
        'client_id' => 'getClientId',
        'client_secret' => 'getClientSecret',
        'refresh_token' => 'getRefreshToken',
        'access_token' => 'getAccessToken',
        'grant_token' => 'getGrantToken',
        'expiry_time' => 'getExpiresIn',
        'redirect_url' => 'getRedirectURL',
        'api_domain' => 'getAPIDomain',
    );

    /** An OAuthToken with exactly these fields set (as the SDK's FileStore builds one). */
    public static function make(array $fields)
    {
        $class = new \ReflectionClass(OAuthToken::class);
        $token = $class->newInstanceWithoutConstructor();
        foreach ($fields as $name => $value) {
            if ($value === null) {
                continue;
            }
            if ($name === 'user_name') {
                $token->setUserSignature(new UserSignature($value));
            } else {
                $setter = self::SETTERS[$name];
                $token->$setter($value);
            }
        }
        return $token;
    }

    /** The token's ten fields, with PHP's own values (null, "", strings, floats). */
    public static function fields($token)
    {
        $out = array();
        foreach (self::COLUMNS as $name) {
            if ($name === 'user_name') {
                $s = $token->getUserSignature();
                $out[$name] = $s === null ? null : $s->getName();
            } else {
                $getter = self::GETTERS[$name];
                $out[$name] = $token->$getter();
            }
        }
        return $out;
    }

    /** A CSV row of the FileStore's file as the stored fields ("" = absent). */
    public static function row(array $fields)
    {
        $row = array();
        foreach (self::COLUMNS as $name) {
            $row[] = isset($fields[$name]) ? (string) $fields[$name] : '';
        }
        return $row;
    }
}
