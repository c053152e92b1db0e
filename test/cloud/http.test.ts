/**
 * The transport's pure parts: region endpoints and the override, backoff bounds with jitter, how
 * service errors are classified, and error-body parsing for both OpenAPI (JSON) and OSS (XML).
 */
import { describe, expect, it } from 'vitest';
import { CloudHttp, classifyServiceCode, openApiEndpoint, ossEndpoint, parseServiceError } from '../../src-main/engine/cloud/http';

describe('endpoints', () => {
  it('builds the documented region endpoints', () => {
    expect(openApiEndpoint('imm', 'cn-hangzhou')).toBe('https://imm.cn-hangzhou.aliyuncs.com');
    expect(openApiEndpoint('ice', 'ap-southeast-1')).toBe('https://ice.ap-southeast-1.aliyuncs.com');
    expect(ossEndpoint('photos', 'cn-beijing')).toEqual({ origin: 'https://photos.oss-cn-beijing.aliyuncs.com', pathPrefix: '' });
  });

  it('uses the override (path-style for OSS) and refuses malformed regions and buckets', () => {
    expect(openApiEndpoint('imm', 'cn-hangzhou', 'http://127.0.0.1:9/')).toBe('http://127.0.0.1:9');
    expect(openApiEndpoint('ice', 'cn-hangzhou', { imm: 'http://127.0.0.1:9' })).toBe('https://ice.cn-hangzhou.aliyuncs.com');
    expect(ossEndpoint('photos', 'cn-hangzhou', 'http://127.0.0.1:9')).toEqual({ origin: 'http://127.0.0.1:9', pathPrefix: '/photos' });
    expect(() => openApiEndpoint('imm', 'evil.com/')).toThrow(/region id/);
    expect(() => ossEndpoint('Photos', 'cn-hangzhou')).toThrow(/bucket name/);
  });
});

describe('backoff', () => {
  it('grows exponentially, is capped, and is jittered within [0, cap]', () => {
    const top = new CloudHttp({ policy: { baseDelayMs: 100, maxDelayMs: 1000 }, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map((n) => top.backoffMs(n))).toEqual([99, 199, 399, 799, 999, 999]);
    const bottom = new CloudHttp({ policy: { baseDelayMs: 100, maxDelayMs: 1000 }, random: () => 0 });
    expect(bottom.backoffMs(3)).toBe(0);
    // Retry-After is honoured, within the cap.
    expect(bottom.backoffMs(1, 500)).toBe(500);
    expect(bottom.backoffMs(1, 60_000)).toBe(1000);
  });
});

describe('service errors', () => {
  it('classifies codes', () => {
    expect(classifyServiceCode(404, 'InvalidAccessKeyId.NotFound')).toBe('CLOUD_AUTH');
    expect(classifyServiceCode(400, 'SignatureDoesNotMatch')).toBe('CLOUD_AUTH');
    expect(classifyServiceCode(400, 'InvalidSecurityToken.Expired')).toBe('CLOUD_TOKEN_EXPIRED');
    expect(classifyServiceCode(403, 'SecurityTokenExpired')).toBe('CLOUD_TOKEN_EXPIRED');
    expect(classifyServiceCode(400, 'Throttling.User')).toBe('CLOUD_THROTTLED');
    expect(classifyServiceCode(429, undefined)).toBe('CLOUD_THROTTLED');
    expect(classifyServiceCode(403, undefined)).toBe('CLOUD_AUTH');
    expect(classifyServiceCode(404, 'ResourceNotFound')).toBe('CLOUD_SERVICE');
  });

  it('parses OpenAPI JSON and OSS XML error bodies', () => {
    const json = Buffer.from(JSON.stringify({ RequestId: 'R1', Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' }));
    expect(parseServiceError('imm', new Headers(), json)).toEqual({ code: 'Throttling.User', message: 'Request was denied due to user flow control.', requestId: 'R1' });
    const xml = Buffer.from('<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist &amp; more.</Message><RequestId>R2</RequestId></Error>');
    expect(parseServiceError('oss', new Headers(), xml)).toEqual({ code: 'NoSuchKey', message: 'The specified key does not exist & more.', requestId: 'R2' });
    expect(parseServiceError('oss', new Headers({ 'x-oss-request-id': 'R3' }), Buffer.alloc(0))).toEqual({ requestId: 'R3' });
    expect(parseServiceError('imm', new Headers(), Buffer.from('<html>bad gateway</html>'))).toEqual({});
  });
});
