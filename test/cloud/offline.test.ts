/**
 * The "network only when enabled" guarantee. A full session of the cloud module with sync off (or
 * on but without credentials, or without a bucket) must not open a single socket nor resolve a
 * single host name: every network-capable call is refused with CLOUD_DISABLED, while the local
 * parts (settings, credentials, comparison) keep working. Real sockets are watched at the Node
 * layer (net.Socket#connect, dns.lookup), beneath fetch/undici, so nothing of ours is mocked.
 */
import dns from 'node:dns';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloudConfigPatchSchema } from '../../src-main/contract/cloud';
import type { CloudCluster, LocalPerson } from '../../src-main/contract/cloud';
import { CloudService } from '../../src-main/engine/cloud/service';
import { CloudEmulator } from './emulator';
import { FAST, KEY, TARGET, makeLibrary, removeDir, tempDir } from './helpers';

describe('a local-only session makes no outbound connection', () => {
  let connects: unknown[][];
  let lookups: unknown[][];
  let dir: string;

  beforeEach(async () => {
    dir = await tempDir();
    connects = [];
    lookups = [];
    const realConnect = net.Socket.prototype.connect;
    vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
      connects.push(args);
      return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    });
    const realLookup = dns.lookup;
    vi.spyOn(dns, 'lookup').mockImplementation(((...args: unknown[]) => {
      lookups.push(args);
      return (realLookup as (...a: unknown[]) => unknown)(...args);
    }) as typeof dns.lookup);
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await removeDir(dir);
  });

  async function everyNetworkCall(service: CloudService): Promise<string[]> {
    const [m] = await makeLibrary(join(dir, 'lib'), ['alice_01.jpg']);
    const calls: Array<() => Promise<unknown>> = [
      () => service.testConnection(),
      () => service.push({ media: [m!] }),
      () => service.pullClusters(),
      () => service.search({ localImage: m! }),
      () => service.search({ imageUri: 'oss://test-bucket/x.jpg' }),
      () => service.searchClips({ faceSearchToken: 't', mediaId: 'm' }),
      () => service.getTask('FaceClustering-1'),
      () => service.listTasks(),
    ];
    const codes: string[] = [];
    for (const call of calls) {
      try {
        await call();
        codes.push('resolved');
      } catch (e) {
        codes.push((e as { code?: string }).code ?? 'thrown');
      }
    }
    return codes;
  }

  it('sync off (the default), even with credentials and a full configuration', async () => {
    const service = new CloudService({ configDir: dir, settings: FAST });
    expect((await service.getConfig()).enabled).toBe(false);
    await service.updateConfig({ ...TARGET });
    await service.saveCredentials(KEY);
    const status = await service.status();
    expect(status).toMatchObject({ enabled: false, configured: true, ready: false, reason: 'Cloud sync is turned off.' });
    expect(status.credentials).toMatchObject({ stored: true, protection: 'file-aes-256-gcm' });
    expect(await everyNetworkCall(service)).toEqual(Array(8).fill('CLOUD_DISABLED'));

    // The local half of the panel works offline.
    const clusters: CloudCluster[] = [{ id: 'c1', name: 'Ann', media: [{ uri: 'oss://test-bucket/library/a.jpg' }] }];
    const persons: LocalPerson[] = [{ id: 'p1', mediaPaths: ['/photos/a.jpg'] }];
    const cmp = service.compareClusters({ clusters, persons, mapping: [{ path: '/photos/a.jpg', uri: 'oss://test-bucket/library/a.jpg', contentHash: 'a'.repeat(64), status: 'uploaded' }] });
    expect(cmp.matches[0]).toMatchObject({ personId: 'p1', score: 1 });
    expect(service.planNameImports(cmp, persons)).toHaveLength(1);
    await service.disconnect();
    expect((await service.status()).credentials.stored).toBe(false);

    expect(connects).toEqual([]);
    expect(lookups).toEqual([]);
  });

  it('sync on but no credentials saved, or no bucket configured', async () => {
    const service = new CloudService({ configDir: dir, settings: FAST });
    await service.updateConfig({ ...TARGET, enabled: true });
    expect((await service.status()).reason).toBe('No credentials are saved.');
    expect(await everyNetworkCall(service)).toEqual(Array(8).fill('CLOUD_DISABLED'));

    const other = new CloudService({ configDir: join(dir, 'b'), settings: FAST });
    await other.updateConfig({ enabled: true, region: 'cn-hangzhou' });
    await other.saveCredentials(KEY);
    expect(await everyNetworkCall(other)).toEqual(Array(8).fill('CLOUD_DISABLED'));

    expect(connects).toEqual([]);
    expect(lookups).toEqual([]);
  });

  it('saving one setting leaves the others as they were (sync stays on, the prefix and folders stay)', async () => {
    const service = new CloudService({ configDir: join(dir, 'patch'), settings: FAST });
    await service.updateConfig({ ...TARGET, enabled: true, folders: ['/photos/2020'] });
    await service.updateConfig({ bucket: 'other-bucket' });
    // As the doors deliver it: parsed by the channel's request schema first.
    await service.updateConfig(CloudConfigPatchSchema.parse({ folders: ['/photos/2021'] }));
    expect(await service.getConfig()).toMatchObject({ ...TARGET, bucket: 'other-bucket', enabled: true, folders: ['/photos/2021'] });
    await service.updateConfig({ enabled: false });
    expect(await service.getConfig()).toMatchObject({ enabled: false, prefix: TARGET.prefix, folders: ['/photos/2021'] });
    // An emptied field clears its setting; setup is then incomplete again.
    await service.updateConfig(CloudConfigPatchSchema.parse({ iceSearchLibName: 'family', bucket: null }));
    expect(await service.getConfig()).not.toHaveProperty('bucket');
    expect(await service.getConfig()).toMatchObject({ iceSearchLibName: 'family', region: TARGET.region });
    expect((await service.status()).configured).toBe(false);
    expect(connects).toEqual([]);
  });

  it('the watch does see connections: enabling sync against the emulator opens one', async () => {
    const emu = await CloudEmulator.start({ keys: [KEY] });
    try {
      const service = new CloudService({ configDir: dir, endpointOverride: emu.url, settings: FAST });
      await service.updateConfig({ ...TARGET, enabled: true });
      await service.saveCredentials(KEY);
      expect((await service.status()).ready).toBe(true);
      await service.listTasks();
      expect(connects.length).toBeGreaterThan(0);
    } finally {
      await emu.close();
    }
  });
});
