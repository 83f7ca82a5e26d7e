/**
 * The "livedag: Show Lineage Graph" webview beside the editor. It connects VS Code's editors,
 * the server's notifications and the webview to the PreviewController, which decides what to do.
 */
import * as vscode from 'vscode';
import type { LivedagServer } from '../server';
import { PreviewController } from './controller';
import { makeNonce, previewHtml } from './html';
import type { HostMessage, LspLocation } from './protocol';

const VIEW_TYPE = 'livedag.lineage';
const REFRESH_DELAY_MS = 150;

export class LineagePreview implements vscode.Disposable {
  private static current: LineagePreview | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly controller: PreviewController;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** the editor column the shown document was in: definitions open there, not over the preview */
  private sourceColumn: vscode.ViewColumn = vscode.ViewColumn.One;

  /** Show the preview for the active editor's document, creating it beside the editor if needed. */
  static show(extensionUri: vscode.Uri, server: LivedagServer, output: vscode.LogOutputChannel): void {
    const editor = vscode.window.activeTextEditor;
    if (LineagePreview.current) {
      LineagePreview.current.panel.reveal(vscode.ViewColumn.Beside, true);
    } else {
      const panel = vscode.window.createWebviewPanel(
        VIEW_TYPE,
        'Lineage',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        {
          enableScripts: true,
          retainContextWhenHidden: true,
          localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
        },
      );
      LineagePreview.current = new LineagePreview(panel, extensionUri, server, output);
    }
    if (editor) LineagePreview.current.follow(editor);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    server: LivedagServer,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.controller = new PreviewController({
      requestGraph: (uri) => server.requestGraph(uri),
      post: (message: HostMessage) => void panel.webview.postMessage(message),
      openLocation: (location) => this.openLocation(location),
      saveSvg: (svg) => this.saveSvg(svg),
      log: (message) => output.info(message),
    });
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    panel.webview.html = previewHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview-style.css')).toString(),
    });
    void vscode.commands.executeCommand('setContext', 'livedag.previewVisible', true);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => this.controller.receive(message)),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor) this.follow(editor);
      }),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        const position = event.selections[0]?.active;
        if (position && event.textEditor.document.languageId === 'python') {
          this.controller.cursorMoved(event.textEditor.document.uri.toString(), position.line, position.character);
        }
      }),
      server.onGraphChanged((params) => this.scheduleRefresh(() => this.controller.graphChanged(params))),
      server.onDidStart(() => this.scheduleRefresh(() => this.controller.refresh())),
    );
  }

  private follow(editor: vscode.TextEditor): void {
    const document = editor.document;
    if (document.languageId !== 'python' || document.uri.scheme !== 'file') return;
    this.sourceColumn = editor.viewColumn ?? vscode.ViewColumn.One;
    this.panel.title = `Lineage: ${vscode.workspace.asRelativePath(document.uri)}`;
    void this.controller.showDocument(document.uri.toString()).then(() => {
      const position = editor.selection.active;
      this.controller.cursorMoved(document.uri.toString(), position.line, position.character);
    });
  }

  /** Typing sends a burst of graphChanged notifications: ask the server once it settles. */
  private scheduleRefresh(refresh: () => Promise<void>): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      refresh().catch((error: unknown) => this.output.error(`Refreshing the lineage graph: ${String(error)}`));
    }, REFRESH_DELAY_MS);
  }

  private async openLocation(location: LspLocation): Promise<void> {
    const { start, end } = location.range;
    const range = new vscode.Range(start.line, start.character, end.line, end.character);
    await vscode.window.showTextDocument(vscode.Uri.parse(location.uri), {
      viewColumn: this.sourceColumn,
      selection: range,
      preserveFocus: false,
    });
  }

  private async saveSvg(svg: string): Promise<void> {
    const graph = this.controller.currentGraph;
    const name = (graph?.dataflow.split(/[/:\\]/).pop() ?? 'lineage').replace(/\.py$/, '') || 'lineage';
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${name}-lineage.svg`) : undefined,
      filters: { SVG: ['svg'] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(svg));
    void vscode.window.showInformationMessage(`Saved the lineage graph to ${vscode.workspace.asRelativePath(target)}.`);
  }

  dispose(): void {
    LineagePreview.current = undefined;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    void vscode.commands.executeCommand('setContext', 'livedag.previewVisible', false);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
  }
}
