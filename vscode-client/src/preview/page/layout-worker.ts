/**
 * The layout worker: Graphviz (WebAssembly, bundled into this script) lays out DOT text off the
 * page's thread, so the panel keeps answering while a large graph is laid out. The page ends a
 * worker whose layout is no longer wanted (a newer graph arrived) and starts a fresh one.
 * Messages: in `{ id, dot, mode }`, out `{ id, svg?, json?, ms }` or `{ id, error }`. Modes:
 * - `svg`: the full `dot` layout, SVG only (large graphs);
 * - `positioned`: the full `dot` layout, rendered from its positions (`nop2`) as SVG plus the
 *   geometry (`json`) that a later incremental layout starts from;
 * - `place`: DOT whose boxes carry positions and edges their routes (an incremental layout):
 *   drawn as given; SVG plus geometry;
 * - `sizes`: unconnected boxes laid out to learn their sizes (`json` only).
 */
import { Graphviz } from '@hpcc-js/wasm-graphviz';

const loaded = Graphviz.load();

export type LayoutMode = 'svg' | 'positioned' | 'place' | 'sizes';

self.onmessage = async (event: MessageEvent<{ id: number; dot: string; mode: LayoutMode }>) => {
  const { id, dot, mode } = event.data;
  try {
    const graphviz = await loaded;
    const started = performance.now();
    let svg: string | undefined;
    let json: string | undefined;
    if (mode === 'svg') svg = graphviz.layout(dot, 'svg', 'dot');
    else if (mode === 'sizes') json = graphviz.layout(dot, 'json', 'dot');
    else {
      // laid out once, into DOT with every position and route; both outputs are drawn from it
      // without laying anything out again (`place` DOT comes with them)
      const positioned = mode === 'positioned' ? graphviz.layout(dot, 'dot', 'dot') : dot;
      svg = graphviz.layout(positioned, 'svg', 'nop2');
      json = graphviz.layout(positioned, 'json', 'nop2');
    }
    self.postMessage({ id, svg, json, ms: performance.now() - started });
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
