/**
 * The faces table's vector index (index upkeep lives with the store that owns the table): when to build it, when to retrain or extend it, and the one way
 * searches query it (cosine, every partition probed, candidates re-ranked with exact distances).
 *
 * Why this shape (docs/search.md has the measurements): face embeddings of different people are all
 * about equally far apart, so an approximate index finds the few true matches easily but orders the
 * many near-equal "best strangers" poorly; exact re-ranking of a wide candidate pool gives back the
 * brute-force order. LanceDB scans rows the index does not cover yet, so fresh faces are found before
 * any rebuild; the backlog is kept small because that scan costs ~2.5 ms per 1000 rows.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Index } from '@lancedb/lancedb';
import type { Table, VectorQuery } from '@lancedb/lancedb';
import type { SearchSettings } from '../settings';
import type { SearchIndexStatus } from '../../contract/search';
import { faceWhere } from './filters';
import type { FaceFilter } from './filters';

const INDEX_NAME = 'vector_idx';
const STATE_FILE = 'search-index.json';

interface IndexState {
  type: SearchSettings['annIndexType'];
  /** RaBitQ bits (ivf_rq); absent in states written before the setting existed. */
  bits?: number;
  partitions: number;
  rowsAtBuild: number;
  builtAt: number;
}

export interface VectorHit {
  row: Record<string, unknown>;
  /** Cosine similarity (1 - LanceDB's cosine distance). */
  score: number;
}

export interface VectorSearchOptions {
  limit: number;
  /** Conditions over the face columns, applied before the vector search (prefilter). */
  filter?: FaceFilter | undefined;
  columns: readonly string[];
  /**
   * Candidates re-ranked exactly (default: the larger of annCandidates and 20 per result). Sweeps that
   * only need matches above a real threshold pass fewer.
   */
  candidates?: number;
}

export type IndexLog = (message: string) => void;

export class FaceIndex {
  private state: IndexState | null = null;
  private stateLoaded = false;
  private work: Promise<void> | null = null;
  private lastCheck = 0;

  constructor(
    private readonly table: Table,
    private readonly settings: SearchSettings,
    /** Creates the scalar lookup indexes search leans on, with the vector index; null: none. */
    private readonly ensureLookups: ((log: IndexLog) => Promise<void>) | null,
    /** Folder for the small state file (rows at the last training); null keeps it in memory only. */
    private readonly stateDir: string | null,
    private readonly log: IndexLog = () => undefined,
  ) {}

  /**
   * Starts background index work when the policy asks for it, at most once per annCheckIntervalMs.
   * Never waits and never throws: a failed build is logged and tried again at a later check.
   */
  maintain(): void {
    const now = Date.now();
    if (this.work || now - this.lastCheck < this.settings.annCheckIntervalMs) return;
    this.lastCheck = now;
    this.work = this.runPolicy()
      .then(() => undefined, (e: unknown) => this.log(`search index: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        this.work = null;
      });
  }

  /** Applies the policy now and waits for it (tests, benchmarks, "optimize now" commands). */
  async ensure(opts: { force?: boolean } = {}): Promise<'built' | 'extended' | 'none'> {
    while (this.work) await this.work;
    let result: 'built' | 'extended' | 'none' = 'none';
    const p = this.runPolicy(opts.force ?? false).then((r) => {
      result = r;
    });
    this.work = p.finally(() => {
      this.work = null;
    });
    await this.work;
    return result;
  }

  /** Resolves when no background work is running. */
  async idle(): Promise<void> {
    while (this.work) await this.work.catch(() => undefined);
  }

  async status(): Promise<SearchIndexStatus> {
    const rows = await this.table.countRows();
    const stats = await this.stats();
    const state = await this.loadState();
    return {
      rows,
      indexType: stats ? stats.indexType : null,
      indexedRows: stats?.numIndexedRows ?? 0,
      unindexedRows: stats ? stats.numUnindexedRows : rows,
      partitions: stats ? (state?.partitions ?? 0) : 0,
      rowsAtBuild: stats ? (state?.rowsAtBuild ?? stats.numIndexedRows) : 0,
      building: this.work !== null,
    };
  }

  /**
   * Nearest faces by cosine similarity, best first; ties by id so pages and repeated searches agree.
   * With an index: every partition probed (annProbeShare 1) and about annCandidates candidates
   * re-ranked with exact distances; without one, LanceDB's exact scan.
   */
  async search(vector: Float32Array, opts: VectorSearchOptions): Promise<VectorHit[]> {
    if (opts.limit <= 0) return [];
    const state = await this.loadState();
    let q: VectorQuery = this.table.vectorSearch(vector).column('vector').distanceType('cosine').limit(opts.limit);
    const type = state?.type ?? this.settings.annIndexType;
    if (type === 'ivf_hnsw_sq') q = q.ef(Math.max(this.settings.annHnswEf, opts.limit));
    else q = q.nprobes(this.probes(state));
    const pool = opts.candidates ?? Math.max(await this.candidatePool(), opts.limit * this.settings.annRefineMin);
    if (type !== 'ivf_flat') q = q.refineFactor(Math.max(2, Math.ceil(pool / opts.limit)));
    const where = opts.filter ? faceWhere(opts.filter) : undefined;
    if (where) q = q.where(where);
    q = q.select([...opts.columns, '_distance']);
    const rows = (await q.toArray()) as Record<string, unknown>[];
    const hits = rows.map((row) => ({ row, score: 1 - Number(row._distance) }));
    hits.sort((a, b) => b.score - a.score || String(a.row.id).localeCompare(String(b.row.id)));
    return hits;
  }

  /** Exact scan, skipping the index: the ground truth the ANN path is measured against. */
  async bruteForce(vector: Float32Array, opts: VectorSearchOptions): Promise<VectorHit[]> {
    let q = this.table.vectorSearch(vector).column('vector').distanceType('cosine').bypassVectorIndex().limit(opts.limit);
    const where = opts.filter ? faceWhere(opts.filter) : undefined;
    if (where) q = q.where(where);
    const rows = (await q.select([...opts.columns, '_distance']).toArray()) as Record<string, unknown>[];
    const hits = rows.map((row) => ({ row, score: 1 - Number(row._distance) }));
    hits.sort((a, b) => b.score - a.score || String(a.row.id).localeCompare(String(b.row.id)));
    return hits;
  }

  /** Near-ties among unrelated faces grow with the table: one candidate per 1000 rows, within the settings' bounds. */
  private async candidatePool(): Promise<number> {
    const rows = await this.table.countRows();
    return Math.round(Math.min(this.settings.annCandidates, Math.max(this.settings.annCandidatesMin, rows / 1000)));
  }

  private probes(state: IndexState | null): number {
    const share = this.settings.annProbeShare;
    // Without a known partition count, "all" is any number at least as large: LanceDB clamps it.
    if (share >= 1 || !state || state.partitions <= 0) return 1 << 20;
    return Math.max(1, Math.ceil(state.partitions * share));
  }

  private async stats(): Promise<{ indexType: string; numIndexedRows: number; numUnindexedRows: number } | null> {
    const indices = await this.table.listIndices();
    if (!indices.some((i) => i.name === INDEX_NAME)) return null;
    return (await this.table.indexStats(INDEX_NAME)) ?? null;
  }

  private async runPolicy(force = false): Promise<'built' | 'extended' | 'none'> {
    const rows = await this.table.countRows();
    const stats = await this.stats();
    if (!stats) {
      if (rows < this.settings.annMinRows && !force) return 'none';
      await this.build(rows);
      await this.ensureLookups?.(this.log);
      return 'built';
    }
    await this.ensureLookups?.(this.log);
    const state = await this.loadState();
    const trainedOn = state?.rowsAtBuild ?? stats.numIndexedRows;
    const changed = state !== null && (state.type !== this.settings.annIndexType || (state.type === 'ivf_rq' && (state.bits ?? 1) !== this.settings.annBits));
    if (force || changed || rows >= trainedOn * (1 + this.settings.annRebuildGrowth)) {
      await this.build(rows);
      return 'built';
    }
    if (stats.numUnindexedRows > this.settings.annMaxUnindexedRows) {
      // Adds the new rows to the trained partitions (no retraining); also compacts the small fragments
      // the indexer's batches leave behind.
      const t0 = Date.now();
      await this.table.optimize();
      this.log(`search index: added ${stats.numUnindexedRows} new faces in ${Date.now() - t0} ms`);
      return 'extended';
    }
    return 'none';
  }

  private async build(rows: number): Promise<void> {
    const s = this.settings;
    const partitions = s.annPartitions > 0 ? s.annPartitions : Math.max(1, Math.round(Math.sqrt(rows)));
    const config =
      s.annIndexType === 'ivf_rq'
        ? Index.ivfRq({ distanceType: 'cosine', numPartitions: partitions, numBits: s.annBits })
        : s.annIndexType === 'ivf_pq'
          ? Index.ivfPq({ distanceType: 'cosine', numPartitions: partitions })
          : s.annIndexType === 'ivf_flat'
            ? Index.ivfFlat({ distanceType: 'cosine', numPartitions: partitions })
            : Index.hnswSq({ distanceType: 'cosine', numPartitions: Math.max(1, Math.round(rows / 1_000_000)) });
    const t0 = Date.now();
    await this.table.createIndex('vector', { config, replace: true, name: INDEX_NAME });
    this.log(`search index: ${s.annIndexType} over ${rows} faces, ${partitions} partitions, ${Date.now() - t0} ms`);
    await this.saveState({ type: s.annIndexType, bits: s.annBits, partitions, rowsAtBuild: rows, builtAt: Date.now() });
  }

  private async loadState(): Promise<IndexState | null> {
    if (this.stateLoaded) return this.state;
    this.stateLoaded = true;
    if (!this.stateDir) return this.state;
    try {
      const s = JSON.parse(await readFile(join(this.stateDir, STATE_FILE), 'utf8')) as Partial<IndexState>;
      if (typeof s.rowsAtBuild === 'number' && typeof s.partitions === 'number' && typeof s.type === 'string') this.state = s as IndexState;
    } catch {
      // Missing or unreadable: the index's own row count stands in (see runPolicy).
    }
    return this.state;
  }

  private async saveState(state: IndexState): Promise<void> {
    this.state = state;
    this.stateLoaded = true;
    if (!this.stateDir) return;
    const path = join(this.stateDir, STATE_FILE);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(state, null, 2));
    await rename(tmp, path);
  }
}
