/**
 * Signature vectors published by Alibaba Cloud: the V3 (ACS3-HMAC-SHA256) worked example of the
 * "Request syntax and signature method V3" document, and the OSS V1/V4 vectors of Alibaba's OSS Go
 * SDK v2 tests (oss/signer/signer_test.go). If any of these drift, real requests fail with
 * SignatureDoesNotMatch, so they are compared byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { buildCanonicalRequest, canonicalQueryString, percentEncode, sha256Hex, signAcs3, stringToSign } from '../../src-main/engine/cloud/signer';
import { ossCanonicalQuery, presignOssV4, signOssV1, signOssV4 } from '../../src-main/engine/cloud/oss-signer';

describe('ACS3-HMAC-SHA256 (OpenAPI V3) — the documented worked example', () => {
  const query = { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' };
  const credentials = { accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' };
  const expectedCanonical = [
    'POST',
    '/',
    'ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai',
    'host:ecs.cn-shanghai.aliyuncs.com',
    'x-acs-action:RunInstances',
    'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-acs-date:2023-10-26T10:22:32Z',
    'x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d',
    'x-acs-version:2014-05-26',
    '',
    'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ].join('\n');

  it('reproduces the canonical request, the string to sign and the signature', () => {
    const signed = signAcs3({
      method: 'POST',
      host: 'ecs.cn-shanghai.aliyuncs.com',
      query,
      action: 'RunInstances',
      version: '2014-05-26',
      credentials,
      date: '2023-10-26T10:22:32Z',
      nonce: '3156853299f313e23d1673dc12e1703d',
    });
    expect(signed.canonicalRequest).toBe(expectedCanonical);
    expect(signed.stringToSign).toBe('ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
    expect(signed.signature).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
    expect(signed.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
  });

  it('hashes an empty body to the documented value and builds the same request piecewise', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const { canonicalRequest } = buildCanonicalRequest({
      method: 'post',
      pathname: '/',
      query,
      headers: {
        Host: 'ecs.cn-shanghai.aliyuncs.com',
        'x-acs-action': 'RunInstances',
        'x-acs-version': '2014-05-26',
        'x-acs-date': '2023-10-26T10:22:32Z',
        'x-acs-signature-nonce': ' 3156853299f313e23d1673dc12e1703d ',
        'x-acs-content-sha256': sha256Hex(''),
        'user-agent': 'not signed',
      },
      hashedPayload: sha256Hex(''),
    });
    expect(canonicalRequest).toBe(expectedCanonical);
    expect(stringToSign(canonicalRequest)).toContain('7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
  });

  it('encodes as RFC 3986 (space %20, * %2A, ~ literal) and signs the STS token', () => {
    expect(percentEncode("a b*c~d!'()")).toBe('a%20b%2Ac~d%21%27%28%29');
    expect(percentEncode('人')).toBe('%E4%BA%BA');
    expect(canonicalQueryString({ b: '2', a: '', 'Files': '[{"URI":"oss://b/k"}]' })).toBe(
      'Files=%5B%7B%22URI%22%3A%22oss%3A%2F%2Fb%2Fk%22%7D%5D&a=&b=2',
    );
    const signed = signAcs3({
      method: 'POST', host: 'imm.cn-hangzhou.aliyuncs.com', action: 'GetTask', version: '2020-09-30',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret', securityToken: 'tok' },
    });
    expect(signed.headers['x-acs-security-token']).toBe('tok');
    expect(signed.authorization).toContain('x-acs-security-token');
  });
});

describe('OSS V4 (OSS4-HMAC-SHA256) — vectors from the OSS SDK tests', () => {
  const query = { param1: 'value1', '+param1': 'value3', '|param1': 'value4', '+param2': '', '|param2': '', param2: '' };
  const headers = { 'x-oss-head1': 'value', abc: 'value', ZAbc: 'value', XYZ: 'value', 'content-type': 'text/plain' };

  it('canonicalizes the query like the service (encoded names sorted, bare names for empty values)', () => {
    expect(ossCanonicalQuery(query)).toBe('%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2');
  });

  it('signs the header form', () => {
    const signed = signOssV4({
      method: 'PUT', bucket: 'bucket', key: '1234+-/123/1.txt', query, headers,
      credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' }, region: 'cn-hangzhou', date: new Date(1702743657 * 1000),
    });
    expect(signed.authorization).toBe(
      'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
    );
    expect(signed.headers['x-oss-date']).toBe('20231216T162057Z');
  });

  it('signs with an STS token', () => {
    const signed = signOssV4({
      method: 'PUT', bucket: 'bucket', key: '1234+-/123/1.txt', query, headers,
      credentials: { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'token' }, region: 'cn-hangzhou', date: new Date(1702784856 * 1000),
    });
    expect(signed.authorization).toBe(
      'OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea',
    );
  });

  it('signs additional headers (default-signed ones and missing ones are dropped)', () => {
    for (const additional of [['ZAbc', 'abc'], ['x-oss-no-exist', 'ZAbc', 'x-oss-head1', 'abc']]) {
      const signed = signOssV4({
        method: 'PUT', bucket: 'bucket', key: '1234+-/123/1.txt', query, headers, additionalHeaders: additional,
        credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' }, region: 'cn-hangzhou', date: new Date(1702747512 * 1000),
      });
      expect(signed.authorization).toBe(
        'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f',
      );
    }
  });

  it('presigns a URL (query form)', () => {
    const h = { ...headers, 'content-type': 'application/octet-stream' };
    const plain = presignOssV4({
      method: 'PUT', bucket: 'bucket', key: '1234+-/123/1.txt', query, headers: h, expiresSeconds: 599,
      credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' }, region: 'cn-hangzhou', date: new Date(1702781677 * 1000),
    });
    expect(plain.signature).toBe('a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe');
    const token = presignOssV4({
      method: 'PUT', bucket: 'bucket', key: '1234+-/123/1.txt', query, headers: h, expiresSeconds: 599,
      credentials: { accessKeyId: 'ak', accessKeySecret: 'sk', securityToken: 'token' }, region: 'cn-hangzhou', date: new Date(1702785388 * 1000),
    });
    expect(token.signature).toBe('3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5');
    expect(token.queryString).toContain('x-oss-date=20231217T035628Z');
    const additional = presignOssV4({
      method: 'PUT', bucket: 'bucket', key: '1234+-/123/1.txt', query, headers: h, expiresSeconds: 599, additionalHeaders: ['ZAbc', 'abc'],
      credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' }, region: 'cn-hangzhou', date: new Date(1702783809 * 1000),
    });
    expect(additional.signature).toBe('6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7');
  });
});

describe('OSS V1 (HMAC-SHA1) — vectors from the OSS SDK tests', () => {
  const headers = {
    'Content-MD5': 'eB5eJF1ptWaXm4bijSPyxw==', 'Content-Type': 'text/html',
    'x-oss-meta-author': 'alice', 'x-oss-meta-magic': 'abracadabra', 'x-oss-date': 'Wed, 28 Dec 2022 10:27:41 GMT',
  };
  const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk' };

  it('signs an object PUT', () => {
    const s = signOssV1({ method: 'PUT', bucket: 'examplebucket', key: 'nelson', headers, date: 'Wed, 28 Dec 2022 10:27:41 GMT', credentials });
    expect(s.stringToSign).toBe(
      'PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson',
    );
    expect(s.authorization).toBe('OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=');
  });

  it('signs sub-resources and leaves other query parameters out', () => {
    const acl = signOssV1({ method: 'PUT', bucket: 'examplebucket', key: 'nelson', query: { acl: '' }, headers, date: 'Wed, 28 Dec 2022 10:27:41 GMT', credentials });
    expect(acl.authorization).toBe('OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=');
    const rg = signOssV1({
      method: 'GET', bucket: 'examplebucket', query: { resourceGroup: '', 'non-resousce': 'null' },
      headers: { 'x-oss-date': 'Wed, 28 Dec 2022 10:27:41 GMT' }, date: 'Wed, 28 Dec 2022 10:27:41 GMT', credentials, subResources: ['resourceGroup'],
    });
    expect(rg.authorization).toBe('OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs=');
  });
});
