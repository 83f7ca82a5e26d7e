#!/usr/bin/env node
// Record the real `livedag/graph` answer for the bundled example into the test fixture, the way
// the extension asks for it: start `livedag serve` over stdio, initialize on examples/, open a
// module, request its dataflow. The examples folder's URI is replaced by file:///example/ so the
// fixture does not depend on where the repository was cloned.
//   node scripts/record-graph.js [--python ../.venv/bin/python] [--module features.py] [--out FILE] [--check]
// --out: write there instead of the fixture; --check: compare with the fixture instead of writing
// (exit 1 when it is out of date).
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const rpc = require('vscode-languageserver-protocol/node');

const client = path.resolve(__dirname, '..');
const repo = path.resolve(client, '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const python = option('--python', path.join(repo, '.venv/bin/python'));
const examples = path.join(repo, 'examples');
const moduleFile = path.join(examples, option('--module', 'features.py'));
const fixture = path.join(client, 'test/fixtures/example-graph.json');
const target = path.resolve(option('--out', fixture));
const PLACEHOLDER = 'file:///example/';

async function record() {
  const server = spawn(python, ['-m', 'livedag.server.cli', 'serve'], { cwd: examples, stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = rpc.createProtocolConnection(
    new rpc.StreamMessageReader(server.stdout),
    new rpc.StreamMessageWriter(server.stdin),
  );
  connection.listen();
  const rootUri = pathToFileURL(examples).href;
  try {
    await connection.sendRequest(rpc.InitializeRequest.type, {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'examples' }],
      capabilities: {},
      initializationOptions: { config: {}, severities: {} },
    });
    await connection.sendNotification(rpc.InitializedNotification.type, {});
    const uri = pathToFileURL(moduleFile).href;
    await connection.sendNotification(rpc.DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'python', version: 1, text: fs.readFileSync(moduleFile, 'utf8') },
    });
    const graph = await connection.sendRequest('livedag/graph', { uri });
    if (graph === null) throw new Error(`${uri} belongs to no dataflow`);
    await connection.sendRequest(rpc.ShutdownRequest.type);
    await connection.sendNotification(rpc.ExitNotification.type);
    return graph;
  } finally {
    connection.dispose();
    server.kill();
  }
}

/** Replace the examples folder (as URI and as path) by placeholders, recursively. */
function placeholders(value) {
  const rootUri = pathToFileURL(examples).href + '/';
  if (typeof value === 'string') {
    return value.split(rootUri).join(PLACEHOLDER).split(examples + path.sep).join('/example/');
  }
  if (Array.isArray(value)) return value.map(placeholders);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholders(v)]));
  }
  return value;
}

record().then(
  (graph) => {
    const text = JSON.stringify(placeholders(graph), null, 1) + '\n';
    if (args.includes('--check')) {
      const same = fs.existsSync(fixture) && fs.readFileSync(fixture, 'utf8') === text;
      console.log(same ? 'fixture is up to date' : `fixture differs from the server's answer: run node ${path.relative(process.cwd(), __filename)}`);
      process.exit(same ? 0 : 1);
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    console.log(`recorded ${graph.nodes.length} nodes, ${graph.edges.length} edges of ${graph.dataflow} into ${path.relative(process.cwd(), target)}`);
  },
  (error) => {
    console.error(`could not record the graph: ${error && error.message ? error.message : error}`);
    process.exit(1);
  },
);
