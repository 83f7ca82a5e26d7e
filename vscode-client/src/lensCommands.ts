/**
 * Clicking a livedag code lens in VS Code. The server's lenses carry its own commands (any client
 * can send them back; the server then names the nodes in a message); this extension runs them
 * itself instead, through the language client's `executeCommand` middleware:
 *   `↓ m downstream` (livedag.showConsumers): the references peek of the node's consumers;
 *   `↑ n upstream` (livedag.focusNode): the cursor on the function and the lineage graph beside it,
 *   centred on the node (which it marks as the node under the cursor).
 * Arguments it cannot read go to the server as they came.
 */
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { FOCUS_NODE, type LensTarget, SHOW_CONSUMERS, parseLensTarget } from './lens';
import { LineagePreview } from './preview/panel';
import type { LspLocation } from './preview/protocol';

const SHOW_LINEAGE_GRAPH = 'livedag.showLineageGraph';

function range(location: LspLocation): vscode.Range {
  const { start, end } = location.range;
  return new vscode.Range(start.line, start.character, end.line, end.character);
}

async function showConsumers(target: LensTarget): Promise<void> {
  const uri = vscode.Uri.parse(target.uri);
  const position = new vscode.Position(target.position.line, target.position.character);
  const locations = target.locations.map((l) => new vscode.Location(vscode.Uri.parse(l.uri), range(l)));
  await vscode.commands.executeCommand('editor.action.showReferences', uri, position, locations);
}

async function focusNode(target: LensTarget): Promise<void> {
  const position = new vscode.Position(target.position.line, target.position.character);
  await vscode.window.showTextDocument(vscode.Uri.parse(target.uri), {
    selection: new vscode.Range(position, position),
    preserveFocus: false,
  });
  // the preview follows the active editor and marks the node under its cursor; it is centred on
  // it too (a cursor that moves only brings its node on screen, which may be at the very edge)
  await vscode.commands.executeCommand(SHOW_LINEAGE_GRAPH);
  LineagePreview.current?.reveal(target.node, target.uri);
}

/** The language client's middleware that runs the lens commands here. */
export function lensMiddleware(output: vscode.LogOutputChannel): Middleware {
  return {
    executeCommand: async (command, args, next) => {
      const run = command === SHOW_CONSUMERS ? showConsumers : command === FOCUS_NODE ? focusNode : undefined;
      const target = run ? parseLensTarget(args) : undefined;
      if (run === undefined || target === undefined) {
        if (run) output.warn(`${command}: arguments this extension cannot read; asking the server`);
        return next(command, args);
      }
      try {
        await run(target);
      } catch (error) {
        output.error(`${command} for ${target.node} failed: ${String(error)}`);
        void vscode.window.showErrorMessage(`livedag: ${command} failed (see the livedag output).`);
      }
      return undefined;
    },
  };
}
