/**
 * Layouts in a Web Worker (see layout-worker.ts), one at a time: asking for a new layout while one
 * runs ends that worker (its answer is no longer wanted) and starts another. Recent answers are
 * kept, so folding a group back or toggling a choice redraws without a new layout.
 */
import workerSource from 'layout-worker-source';
import type { LayoutMode } from './layout-worker';

export type { LayoutMode };

export interface LayoutResult {
  svg: string;
  /** Graphviz's json output (positions), for the modes that give it */
  json?: string;
}

export class Cancelled extends Error {
  constructor() {
    super('layout replaced by a newer one');
  }
}

const CACHE = 12;

export class Layouts {
  private worker: Worker | null = null;
  private pending: { id: number; resolve: (result: LayoutResult) => void; reject: (error: Error) => void } | null = null;
  private seq = 0;
  private readonly cache = new Map<string, LayoutResult>();
  private readonly url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  /** how long the last layout took inside the worker (ms) */
  lastMs = 0;

  get busy(): boolean {
    return this.pending !== null;
  }

  layout(dot: string, mode: LayoutMode = 'svg'): Promise<LayoutResult> {
    const key = `${mode}\n${dot}`;
    const cached = this.cache.get(key);
    this.cancel();
    if (cached !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return Promise.resolve(cached);
    }
    const worker = this.start();
    const id = ++this.seq;
    return new Promise<LayoutResult>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      worker.postMessage({ id, dot, mode });
    }).then((result) => {
      this.cache.set(key, result);
      if (this.cache.size > CACHE) this.cache.delete(this.cache.keys().next().value!);
      return result;
    });
  }

  /** End the running layout, if any (its promise rejects with Cancelled). */
  cancel(): void {
    if (this.pending === null) return;
    this.pending.reject(new Cancelled());
    this.pending = null;
    this.worker?.terminate();
    this.worker = null;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.url);
    worker.onmessage = (event: MessageEvent<{ id: number; svg?: string; json?: string; error?: string; ms?: number }>) => {
      const pending = this.pending;
      if (pending === null || event.data.id !== pending.id) return;
      this.pending = null;
      this.lastMs = event.data.ms ?? 0;
      const { svg, json, error } = event.data;
      if (error === undefined) pending.resolve({ svg: svg ?? '', json });
      else pending.reject(new Error(error));
    };
    worker.onerror = (event) => {
      const pending = this.pending;
      this.pending = null;
      this.worker = null;
      worker.terminate();
      pending?.reject(new Error(`the layout worker failed: ${event.message}`));
    };
    this.worker = worker;
    return worker;
  }
}
