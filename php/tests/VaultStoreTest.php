<?php

namespace Tokenvault\ZohoTokenStore\Tests;

use PHPUnit\Framework\TestCase;
use com\zoho\api\authenticator\OAuthToken;
use com\zoho\api\authenticator\store\TokenStore;
use com\zoho\crm\api\exception\SDKException;
use com\zoho\crm\api\UserSignature;
use Tokenvault\ZohoTokenStore\ServiceError;
use Tokenvault\ZohoTokenStore\Tests\Support\Service;
use Tokenvault\ZohoTokenStore\Tests\Support\Tokens;
use Tokenvault\ZohoTokenStore\VaultStore;

class VaultStoreTest extends TestCase
{
    /** @var Service */
    private static $service;
    private static $bearerFile;
    private static $port;

    public static function setUpBeforeClass(): void
    {
        $dir = Service::tempDir('tv-php-unit-');
        self::$bearerFile = $dir . '/bearer';
        file_put_contents(self::$bearerFile, base64_encode(random_bytes(32)) . "\n");
        chmod(self::$bearerFile, 0600);
        $s = stream_socket_server('tcp://127.0.0.1:0');
        $name = stream_socket_get_name($s, false);
        fclose($s);
        self::$port = (int) substr($name, strrpos($name, ':') + 1);
        self::$service = new Service(array('--listen', '127.0.0.1:' . self::$port, '--bearer-token-file', self::$bearerFile), $dir);
    }

    public static function tearDownAfterClass(): void
    {
        self::$service->stop();
        Service::removeTree(self::$service->dir);
    }

    /** `tokenvault import` reads the file the PHP SDK's own FileStore writes (its header says
     * `redirect_url`, its last row has no line end), while the service serves the vault. */
    public function testTheFileThePhpFileStoreWritesImportsIntoTheServedVault()
    {
        $store = $this->store();
        $file = self::$service->dir . '/php_sdk_tokens.txt';
        @unlink($file);
        $fileStore = new \com\zoho\api\authenticator\store\FileStore($file);
        $fileStore->saveToken(Tokens::make(array('user_name' => 'ann@zylker.com', 'client_id' => '1000.C', 'client_secret' => 'cs',
            'refresh_token' => '1000.rt.ann', 'access_token' => '1000.at.ann', 'expiry_time' => '1764340000000',
            'redirect_url' => 'https://example.com/cb', 'api_domain' => 'https://www.zohoapis.com')));
        $fileStore->saveToken(Tokens::make(array('client_id' => '1000.C', 'client_secret' => 'cs', 'grant_token' => '1000.gt.bob')));
        $this->assertStringStartsWith('id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_url,', file_get_contents($file));

        Service::run(array(Service::binary(), '--vault', self::$service->vault, 'import', $file),
            Service::env(array('TOKENVAULT_KEY_FILE' => self::$service->keyFile)));

        $ann = $store->findTokenById('1');
        $this->assertSame('ann@zylker.com', $ann->getUserSignature()->getName());
        $this->assertSame('https://example.com/cb', $ann->getRedirectURL());
        $this->assertSame('1000.rt.ann', $ann->getRefreshToken());
        $this->assertSame('1000.gt.bob', $store->findTokenById('2')->getGrantToken());
        $this->assertCount(2, $store->getTokens());
    }

    private function store(array $options = array())
    {
        $store = new VaultStore(self::$service->socket, $options);
        $store->deleteTokens();
        return $store;
    }

    private static function ann()
    {
        $t = new OAuthToken('1000.CID', 'the-client-secret', null, '1000.rt.ann', null, null, '1000.at.ann', new UserSignature('ann@zylker.com'));
        $t->setExpiresIn(round(microtime(true) * 1000) + 3600000.0); // a float, as after a refresh
        return $t;
    }

    public function testImplementsTheSdkInterface()
    {
        $this->assertInstanceOf(TokenStore::class, new VaultStore('/nonexistent.sock'));
    }

    public function testSixMethods()
    {
        $store = $this->store();
        $ann = self::ann();
        $this->assertNull($ann->getId());
        $store->saveToken($ann);
        $this->assertSame('1', $ann->getId(), 'saveToken sets the id on the passed token');
        $bob = Tokens::make(array('user_name' => 'bob@zylker.com', 'access_token' => '1000.at.bob'));
        $store->saveToken($bob);
        $this->assertSame('2', $bob->getId());

        // findToken fills the passed object and returns it.
        $q = Tokens::make(array('user_name' => 'ann@zylker.com', 'client_id' => 'mine'));
        $this->assertSame($q, $store->findToken($q));
        $this->assertSame('1', $q->getId());
        $this->assertSame('mine', $q->getClientId(), 'given fields are kept');
        $this->assertSame('1000.rt.ann', $q->getRefreshToken());
        $this->assertSame(sprintf('%.0f', $ann->getExpiresIn()), $q->getExpiresIn(), 'the float expiry is stored as digits');
        $this->assertIsString($q->getExpiresIn());

        // Nothing matches: the same object, unchanged, never null.
        $none = Tokens::make(array('user_name' => 'zed@zylker.com'));
        $this->assertSame($none, $store->findToken($none));
        $this->assertNull($none->getId());
        $this->assertNull($none->getAccessToken());

        // findTokenById: a new OAuthToken with every field.
        $byId = $store->findTokenById('1');
        $this->assertInstanceOf(OAuthToken::class, $byId);
        $this->assertNotSame($ann, $byId);
        $this->assertSame(Tokens::fields($q)['refresh_token'], $byId->getRefreshToken());
        $this->assertSame('the-client-secret', $byId->getClientSecret());
        $this->assertSame('1', $store->findTokenById(1)->getId(), 'an integer id is looked up as its digits');

        // Update in place by id.
        $store->saveToken(Tokens::make(array('id' => '1', 'access_token' => '1000.at.ann2')));
        $this->assertSame('1000.at.ann2', $store->findTokenById('1')->getAccessToken());
        $this->assertSame('1000.rt.ann', $store->findTokenById('1')->getRefreshToken());

        $all = $store->getTokens();
        $this->assertSame(array('1', '2'), array_map(function ($t) {
            return $t->getId();
        }, $all));
        $this->assertNull($all[1]->getExpiresIn());

        $store->deleteToken('2');
        $this->assertCount(1, $store->getTokens());
        $store->deleteTokens();
        $this->assertSame(array(), $store->getTokens());
    }

    public function testFileStoreErrorTexts()
    {
        $store = $this->store();
        $cases = array(
            'findTokenById' => function () use ($store) {
                $store->findTokenById('7');
            },
            'deleteToken' => function () use ($store) {
                $store->deleteToken('7');
            },
            'findTokenById(null)' => function () use ($store) {
                $store->findTokenById(null);
            },
        );
        foreach ($cases as $what => $call) {
            $e = $this->caught($call);
            $this->assertSame('TOKEN_STORE', $e->getErrorCode(), $what);
            $this->assertSame('Exception in getTokenById - FileStore : Given ID is invalid', $e->getMessage(), $what);
        }
        $e = $this->caught(function () use ($store) {
            $store->saveToken(Tokens::make(array('user_name' => 'new@zylker.com', 'client_secret' => 'the-client-secret')));
        });
        $this->assertSame('Exception in FileStore : Check File authentication details.', $e->getMessage());
        $e = $this->caught(function () use ($store) {
            $store->saveToken(Tokens::make(array('id' => '007', 'access_token' => '1000.at.secret-value')));
        });
        $this->assertSame('TOKEN_STORE', $e->getErrorCode());
        $this->assertStringContainsString("Given id '007' is not a decimal number", $e->getMessage());
        $this->assertStringNotContainsString('secret-value', $e->getMessage());
        $this->assertInstanceOf(ServiceError::class, $e->getCause());
        $this->assertSame('id_invalid', $e->getCause()->getServiceCode());
    }

    public function testServiceDownIsGenericAndHoldsNoSecret()
    {
        $store = new VaultStore(self::$service->dir . '/no-such.sock', array('retries' => 0));
        $methods = array(
            'getToken' => function () use ($store) {
                $store->findToken(self::ann());
            },
            'saveToken' => function () use ($store) {
                $store->saveToken(self::ann());
            },
            'getTokens' => function () use ($store) {
                $store->getTokens();
            },
            'deleteTokens' => function () use ($store) {
                $store->deleteTokens();
            },
            'getTokenById' => function () use ($store) {
                $store->findTokenById('1');
            },
            'deleteToken' => function () use ($store) {
                $store->deleteToken('1');
            },
        );
        foreach ($methods as $operation => $call) {
            $e = $this->caught($call);
            $this->assertSame('TOKEN_STORE', $e->getErrorCode());
            $this->assertSame("Exception in $operation - VaultStore : ", $e->getMessage());
            $cause = $e->getCause();
            $this->assertSame('transport', $cause->getServiceCode());
            $this->assertStringContainsString('no-such.sock', $cause->getMessage());
            foreach (array('the-client-secret', '1000.rt.ann', '1000.at.ann') as $secret) {
                $this->assertStringNotContainsString($secret, (string) $e);
                $this->assertStringNotContainsString($secret, $cause->getMessage());
            }
        }
    }

    public function testTcpWithBearerToken()
    {
        $tcp = new VaultStore(null, array('tcp' => '127.0.0.1:' . self::$port, 'bearer_token_file' => self::$bearerFile));
        $tcp->deleteTokens();
        $ann = self::ann();
        $tcp->saveToken($ann);
        $this->assertSame('1', $ann->getId());
        $this->assertSame('1000.at.ann', $tcp->findTokenById('1')->getAccessToken());

        $wrong = new VaultStore(null, array('tcp' => '127.0.0.1:' . self::$port, 'bearer_token' => 'wrong-bearer-token-0123456789'));
        $e = $this->caught(function () use ($wrong) {
            $wrong->getTokens();
        });
        $this->assertSame('unauthorized', $e->getCause()->getServiceCode());
        $this->assertSame(401, $e->getCause()->getStatus());
        $this->assertStringNotContainsString('wrong-bearer-token', (string) $e . $e->getCause()->getMessage());
    }

    public function testDefaultSocket()
    {
        $saved = array(getenv('TOKENVAULT_SOCKET'), getenv('XDG_RUNTIME_DIR'));
        try {
            putenv('TOKENVAULT_SOCKET=/tmp/a.sock');
            putenv('XDG_RUNTIME_DIR=/run/user/1000');
            $this->assertSame('/tmp/a.sock', VaultStore::defaultSocket());
            putenv('TOKENVAULT_SOCKET');
            $this->assertSame('/run/user/1000/tokenvault.sock', VaultStore::defaultSocket());
            $this->assertSame('unix:/run/user/1000/tokenvault.sock', (new VaultStore())->endpoint());
            putenv('XDG_RUNTIME_DIR=');
            $this->assertSame('/run/tokenvault/tokenvault.sock', VaultStore::defaultSocket());
        } finally {
            putenv($saved[0] === false ? 'TOKENVAULT_SOCKET' : 'TOKENVAULT_SOCKET=' . $saved[0]);
            putenv($saved[1] === false ? 'XDG_RUNTIME_DIR' : 'XDG_RUNTIME_DIR=' . $saved[1]);
        }
    }

    public function testDroppedStoresCloseTheirConnections()
    {
        // More stores than the service's 256 connections, one after another: each must close
        // its connection when dropped (a closure bound to $this once kept them open).
        $this->store()->saveToken(self::ann());
        for ($i = 0; $i < 300; $i++) {
            $store = new VaultStore(self::$service->socket);
            $this->assertSame('1', $store->findTokenById('1')->getId());
            unset($store);
        }
    }

    public function testBadOptions()
    {
        $this->expectException(\InvalidArgumentException::class);
        new VaultStore(null, array('tpc' => '127.0.0.1:1'));
    }

    private function caught(callable $call)
    {
        try {
            $call();
        } catch (SDKException $e) {
            return $e;
        }
        $this->fail('no SDKException');
    }
}
