/**
 * The server's settings (`spt.languageServer.*`): from the initialization options, pushed with
 * workspace/didChangeConfiguration, or pulled with workspace/configuration when the client can.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { Guard } from './guard';

export const SETTINGS_SECTION = 'spt.languageServer';

export interface ServerSettings {
  /** Check the checkpoint, data root and split files on disk. */
  fileChecks: boolean;
}

/** Takes `{fileChecks}` or `{spt: {languageServer: {fileChecks}}}` (editors send either). */
export function applySettings(into: ServerSettings, s: unknown): void {
  type Shape = { fileChecks?: unknown; spt?: { languageServer?: { fileChecks?: unknown } } };
  const v =
    (s as Shape | null | undefined)?.fileChecks ??
    (s as Shape | null | undefined)?.spt?.languageServer?.fileChecks;
  if (typeof v === 'boolean') into.fileChecks = v;
}

/** Keeps `settings` current and calls `changed` after each update. */
export function followSettings(
  connection: Connection,
  settings: ServerSettings,
  canPull: () => boolean,
  changed: () => void,
  guard: Guard,
): void {
  connection.onDidChangeConfiguration(
    guard('configuration', undefined, (change: { settings: unknown }) => {
      const pushed = (change.settings as { spt?: { languageServer?: unknown } } | null)?.spt?.languageServer;
      if (pushed) {
        applySettings(settings, pushed);
        changed();
      } else if (canPull()) {
        connection.workspace.getConfiguration(SETTINGS_SECTION).then(
          guard('configuration', undefined, (c: unknown) => {
            applySettings(settings, c);
            changed();
          }),
          () => undefined,
        );
      }
    }),
  );
}
