/**
 * Text handling for sandbox terminals. Pure, so it is unit-tested without VS Code.
 *
 * Shell output is passed through as decoded: the exec's PTY already turns "\n" into "\r\n"
 * (the line discipline's onlcr), and rewriting it again would corrupt full-screen programs
 * that move the cursor with a bare line feed. Only our own messages are normalised here.
 */
import { StringDecoder } from 'node:string_decoder';

/**
 * Decodes UTF-8 from a byte stream. A character split across two chunks is held back until its
 * last byte arrives, instead of turning into two U+FFFD as a per-chunk `toString()` would.
 */
export class Utf8StreamDecoder {
  private readonly decoder = new StringDecoder('utf8');

  write(chunk: Uint8Array | string): string {
    return typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
  }

  /** What is left at the end of the stream (U+FFFD for a truncated character). */
  end(): string {
    return this.decoder.end();
  }
}

/** Our own messages for xterm.js, which needs "\r\n" to return to the first column. */
export function toTerminalText(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

const STYLES = {
  dim: '\x1b[2m',
  error: '\x1b[31m',
  warning: '\x1b[33m',
} as const;

/** A message line in the terminal, set apart from the shell's own output. */
export function terminalMessage(text: string, style: keyof typeof STYLES = 'dim'): string {
  return `${STYLES[style]}${toTerminalText(text)}\x1b[0m\r\n`;
}

export function exitMessage(exitCode: number): string {
  return `\r\n${terminalMessage(`[process exited with code ${exitCode}]`)}`;
}
