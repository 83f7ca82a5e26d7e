/**
 * The "livedag: Show Lineage Graph" webview beside the editor. It connects VS Code's editors,
 * the server's notifications and the webview to the PreviewController, which decides what to do.
 */
import * as vscode from 'vscode';
import type { LivedagServer } from '../server';
import { PreviewController } from './controller';
import { makeNonce, previewHtml } from './html';
import type { GraphProblem, HostMessage, LspLocation } from './protocol';

export const VIEW_TYPE = 'livedag.lineage';
const DIAGNOSTIC_SOURCE = 'livedag';

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
  };
}

const SEVERITIES: Record<number, string> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'information',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

/** livedag's diagnostics in these files, as the page draws them. */
function livedagProblems(uris: string[]): GraphProblem[] {
  const out: GraphProblem[] = [];
  for (const uri of uris) {
    for (const d of vscode.languages.getDiagnostics(vscode.Uri.parse(uri))) {
      if (d.source !== DIAGNOSTIC_SOURCE) continue;
      const code = typeof d.code === 'object' ? String(d.code.value) : String(d.code ?? '');
      out.push({
        code,
        severity: SEVERITIES[d.severity] ?? 'error',
        message: d.message,
        location: {
          uri,
          range: {
            start: { line: d.range.start.line, character: d.range.start.character },
            end: { line: d.range.end.line, character: d.range.end.character },
          },
        },
      });
    }
  }
  return out;
}
const REFRESH_DELAY_MS = 150;

export class LineagePreview implements vscode.Disposable {
  static current: LineagePreview | undefined;

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
        webviewOptions(extensionUri),
      );
      LineagePreview.current = new LineagePreview(panel, extensionUri, server, output);
    }
    if (editor) LineagePreview.current.follow(editor);
  }

  /**
   * After a window reload VS Code gives back the panel with the page's saved state: show the
   * document it showed (or the active editor's) again.
   */
  static revive(
    panel: vscode.WebviewPanel,
    state: unknown,
    extensionUri: vscode.Uri,
    server: LivedagServer,
    output: vscode.LogOutputChannel,
  ): void {
    panel.webview.options = webviewOptions(extensionUri);
    LineagePreview.current?.dispose();
    const preview = new LineagePreview(panel, extensionUri, server, output);
    LineagePreview.current = preview;
    const saved = typeof state === 'object' && state !== null ? (state as { document?: unknown }).document : undefined;
    const editor = vscode.window.activeTextEditor;
    if (editor && editor.document.languageId === 'python') preview.follow(editor);
    else if (typeof saved === 'string') void preview.controller.showDocument(saved);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    server: LivedagServer,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.controller = new PreviewController({
      requestGraph: (uri, dataflow) => server.requestGraph(uri, dataflow),
      post: (message: HostMessage) => void panel.webview.postMessage(message),
      openLocation: (location) => this.openLocation(location),
      saveSvg: (svg) => this.saveSvg(svg),
      log: (message) => output.info(message),
      problems: livedagProblems,
      relativePath: (path) => vscode.workspace.asRelativePath(vscode.Uri.file(path)),
      setTitle: (title) => (panel.title = `Lineage: ${title}`),
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
      vscode.languages.onDidChangeDiagnostics((event) => {
        this.scheduleDiagnostics(event.uris.map((uri) => uri.toString()));
      }),
      server.onDidStart(() => this.scheduleRefresh(() => this.controller.refresh())),
    );
  }

  /** Centre the shown graph on `node` of `uri`'s dataflow, once the graph that holds it is there. */
  reveal(node: string, uri: string): void {
    this.controller.reveal(node, uri);
  }

  private follow(editor: vscode.TextEditor): void {
    const document = editor.document;
    if (document.languageId !== 'python' || document.uri.scheme !== 'file') return;
    this.sourceColumn = editor.viewColumn ?? vscode.ViewColumn.One;
    void this.controller.showDocument(document.uri.toString()).then(() => {
      const position = editor.selection.active;
      this.controller.cursorMoved(document.uri.toString(), position.line, position.character);
    });
  }

  private diagnosticsTimer: NodeJS.Timeout | undefined;
  private changedUris = new Set<string>();

  /** Diagnostics arrive file by file: redraw the marks once they settle. */
  private scheduleDiagnostics(uris: string[]): void {
    for (const uri of uris) this.changedUris.add(uri);
    if (this.diagnosticsTimer) clearTimeout(this.diagnosticsTimer);
    this.diagnosticsTimer = setTimeout(() => {
      this.diagnosticsTimer = undefined;
      const changed = [...this.changedUris];
      this.changedUris.clear();
      this.controller.diagnosticsChanged(changed);
    }, REFRESH_DELAY_MS);
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
    if (LineagePreview.current === this) LineagePreview.current = undefined;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.diagnosticsTimer) clearTimeout(this.diagnosticsTimer);
    void vscode.commands.executeCommand('setContext', 'livedag.previewVisible', false);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.panel.dispose();
  }
}
