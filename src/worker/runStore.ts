/** The runs' IndexedDB storage as the worker uses it: opened once, failures reported and never fatal. */
import { openStudioDb, type StudioDb } from './persistence';
import type { Post } from './protocol';

export class RunStore {
  private dbPromise: Promise<StudioDb | null> | null = null;

  constructor(private readonly post: Post) {}

  /** IndexedDB, opened once; when it cannot open, runs go on unsaved and the page is told why. */
  db(id: number): Promise<StudioDb | null> {
    this.dbPromise ??= openStudioDb().catch((error: Error) => {
      this.post({ type: 'storage-error', id, message: `Runs cannot be saved in this browser: ${error.message}` });
      return null;
    });
    return this.dbPromise;
  }

  /** Runs a storage write; a failure is reported, never silent, and never stops training. */
  async save(id: number, what: (db: StudioDb) => Promise<void>): Promise<boolean> {
    const db = await this.db(id);
    if (!db) return false;
    try {
      await what(db);
      return true;
    } catch (error) {
      this.post({ type: 'storage-error', id, message: (error as Error).message });
      return false;
    }
  }

  /** Sends the page the saved runs, newest first, without their step series. */
  async list(id: number): Promise<void> {
    const db = await this.db(id);
    const runs = db ? await db.listRuns() : [];
    this.post({ type: 'runs', id, runs: runs.map(({ steps: _steps, ...rest }) => (void _steps, rest)) });
  }

  async remove(id: number, runId: string): Promise<void> {
    await this.save(id, (db) => db.deleteRun(runId));
    await this.list(id);
  }
}
