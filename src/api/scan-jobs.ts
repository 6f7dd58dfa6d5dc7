// The scans a server runs (POST /scans and the schedule). On shutdown they are aborted and awaited before the
// inventory closes: a scan still writing into a closed database fails half-way and stays "running" in it.

export class ScanJobs {
  private readonly shutdown = new AbortController();
  private readonly running = new Set<Promise<unknown>>();

  /** Aborted when the server stops; every scan runs with it. */
  get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  get stopping(): boolean {
    return this.shutdown.signal.aborted;
  }

  /** Keeps `job` until it settles, so that stop() can wait for it. */
  track<T>(job: Promise<T>): Promise<T> {
    this.running.add(job);
    const forget = (): void => {
      this.running.delete(job);
    };
    job.then(forget, forget);
    return job;
  }

  /** Aborts every scan and resolves once all have settled (each records itself as interrupted). */
  async stop(): Promise<void> {
    this.shutdown.abort(new Error('the server is stopping'));
    await Promise.allSettled([...this.running]);
  }
}
