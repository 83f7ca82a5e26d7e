/**
 * The arguments of livedag's code lens commands, as the server sends them (see docs/lsp.md, code
 * lens). Pure: no `vscode` import, so the unit tests read it directly.
 */
import type { LspLocation, LspPosition } from './preview/protocol';

/** `↓ m downstream`: the consumers in the references peek */
export const SHOW_CONSUMERS = 'livedag.showConsumers';
/** `↑ n upstream`: the node in the lineage graph preview */
export const FOCUS_NODE = 'livedag.focusNode';

export interface LensTarget {
  /** the document the lens is in, and where the function's name starts */
  uri: string;
  position: LspPosition;
  node: string;
  dataflow: string;
  /** SHOW_CONSUMERS: where each consumer asks for the node */
  locations: LspLocation[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPosition(value: unknown): value is LspPosition {
  return isRecord(value) && Number.isInteger(value.line) && Number.isInteger(value.character);
}

function isLocation(value: unknown): value is LspLocation {
  return (
    isRecord(value) &&
    typeof value.uri === 'string' &&
    isRecord(value.range) &&
    isPosition(value.range.start) &&
    isPosition(value.range.end)
  );
}

/** The lens command's one argument, checked; undefined when it is not what the server sends. */
export function parseLensTarget(args: unknown[]): LensTarget | undefined {
  const [value] = args;
  if (!isRecord(value)) return undefined;
  const { uri, position, node, dataflow, locations } = value;
  if (typeof uri !== 'string' || !isPosition(position) || typeof node !== 'string' || typeof dataflow !== 'string') {
    return undefined;
  }
  if (locations !== undefined && !(Array.isArray(locations) && locations.every(isLocation))) return undefined;
  return { uri, position, node, dataflow, locations: (locations as LspLocation[] | undefined) ?? [] };
}
