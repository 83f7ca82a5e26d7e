/** The layout worker's bundled source, inlined by esbuild.mjs (a Blob URL starts the worker). */
declare module 'layout-worker-source' {
  const source: string;
  export default source;
}
