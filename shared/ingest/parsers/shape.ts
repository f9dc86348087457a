/**
 * A watcher of the top levels of a JSON document, fed the tokens of @streamparser/json's
 * Tokenizer. The streaming parser hands us only the values we select (`paths`), and with
 * `keepStack: false` it forgets everything else; this watcher sees what it forgets: that
 * `runs[0].results` is `42` rather than an array, or that a run has just closed. It keeps a few
 * keys of state and costs one comparison per token below the levels it watches.
 */
import { TokenType, type ParsedTokenInfo } from '@streamparser/json';

export type PathKey = string | number;

export interface ShapeWatcher {
  /**
   * A value starts at `path` (the first `length` entries; `length` <= MAX_WATCHED), with `token`
   * its first token (`{`, `[` or a scalar). Throw to refuse it.
   */
  onStart?(path: readonly PathKey[], length: number, token: ParsedTokenInfo): void;
  /** The object or array at `path` (the first `length` entries) has just closed. */
  onEnd?(path: readonly PathKey[], length: number): void;
}

/** Paths watched: the root (length 0) down to keys like runs/0/results (length 3). */
export const MAX_WATCHED = 3;

/** The token callback that drives `watcher`; call it after the token parser has seen the token. */
export function watchShape(watcher: ShapeWatcher): (token: ParsedTokenInfo) => void {
  const path: PathKey[] = [];
  const isArray: boolean[] = [];
  let depth = 0; // open containers
  let expectKey = false;
  return (t) => {
    const type = t.token;
    if (depth > MAX_WATCHED) {
      // Inside a watched value: only the nesting matters, until the value itself closes.
      if (type === TokenType.LEFT_BRACE || type === TokenType.LEFT_BRACKET) return void (depth += 1);
      if (type !== TokenType.RIGHT_BRACE && type !== TokenType.RIGHT_BRACKET) return;
      if (depth > MAX_WATCHED + 1) return void (depth -= 1);
    }
    switch (type) {
      case TokenType.COLON:
      case TokenType.SEPARATOR:
        return;
      case TokenType.COMMA:
        if (isArray[depth - 1] === true) path[depth - 1] = (path[depth - 1] as number) + 1;
        else expectKey = true;
        return;
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_BRACKET:
        depth -= 1;
        expectKey = false;
        watcher.onEnd?.(path, depth);
        return;
      case TokenType.STRING:
        if (expectKey) {
          path[depth - 1] = t.value as string;
          expectKey = false;
          return;
        }
        break;
      default:
    }
    watcher.onStart?.(path, depth, t);
    if (type === TokenType.LEFT_BRACE || type === TokenType.LEFT_BRACKET) {
      isArray[depth] = type === TokenType.LEFT_BRACKET;
      path[depth] = 0;
      expectKey = type === TokenType.LEFT_BRACE;
      depth += 1;
    }
  };
}

/** `/runs/0/results`: the JSON Pointer (RFC 6901) of the first `length` keys of `path`. */
export function pointerOf(path: readonly PathKey[], length = path.length): string {
  let out = '';
  for (let i = 0; i < length; i++) out += `/${String(path[i]).replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return out;
}

/** True when the value starting with `token` is an array, or null (SARIF and Trivy allow null lists). */
export const isListOrNull = (t: ParsedTokenInfo): boolean => t.token === TokenType.LEFT_BRACKET || t.token === TokenType.NULL;
export const isObject = (t: ParsedTokenInfo): boolean => t.token === TokenType.LEFT_BRACE;
