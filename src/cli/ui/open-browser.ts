// Opening a URL in the user's browser, only where one can appear: macOS always, Linux and the
// BSDs with an X11 or Wayland display, Windows through `start`; never in CI or over a bare SSH
// session. Fire and forget: the opener runs detached and its failure only means no window.
import { spawn } from 'node:child_process';
import { isTruthyEnv } from '../context.js';

/** The command that opens a URL here, or null when no browser can appear (pure: tested). */
export function browserOpener(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): { command: string; args: string[] } | null {
  if (isTruthyEnv(env.CI)) return null;
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return null;
  return { command: 'xdg-open', args: [] };
}

/** Open `url`; false when there is no display (the caller has printed the URL anyway). */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): boolean {
  const opener = browserOpener(platform, env);
  if (opener === null) return false;
  try {
    const child = spawn(opener.command, [...opener.args, url], { detached: true, stdio: 'ignore', env });
    child.on('error', () => undefined); // no xdg-open installed: the printed link still works
    child.unref();
    return true;
  } catch {
    return false;
  }
}
