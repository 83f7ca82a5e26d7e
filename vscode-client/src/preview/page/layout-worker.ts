/**
 * The layout worker: Graphviz (WebAssembly, bundled into this script) lays out DOT text off the
 * page's thread, so the panel keeps answering while a large graph is laid out. The page ends a
 * worker whose layout is no longer wanted (a newer graph arrived) and starts a fresh one.
 * Messages: in `{ id, dot }`, out `{ id, svg }` or `{ id, error }`.
 */
import { Graphviz } from '@hpcc-js/wasm-graphviz';

const loaded = Graphviz.load();

self.onmessage = async (event: MessageEvent<{ id: number; dot: string }>) => {
  const { id, dot } = event.data;
  try {
    const graphviz = await loaded;
    const started = performance.now();
    const svg = graphviz.layout(dot, 'svg', 'dot');
    self.postMessage({ id, svg, ms: performance.now() - started });
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
