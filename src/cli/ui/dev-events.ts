// How `portico dev` shows its reloads: one line each (service, what changed, time to served),
// errors with their message and hint, the manifest's problems with file:line.
import { PorticoError } from '../../core/errors.js';
import type { DevEvent } from '../../engine/dev/session.js';
import { paint } from './paint.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function devEventLines(e: DevEvent, color: boolean): string[] {
  const p = paint(color);
  switch (e.type) {
    case 'watching':
      return [`${p.bold('watching')} ${e.services.join(', ') || '(no built services)'} and ${e.manifest} (Ctrl-C stops watching; the stack keeps running)`];
    case 'reload-started':
      return [`${p.yellow('❯')} ${e.service}: ${e.reason === 'manifest' ? 'portico.yaml changed' : 'sources changed'}, rebuilding`];
    case 'reloaded': {
      const replaced = e.changes.filter((c) => c.action !== 'removed').length;
      const removed = e.changes.length - replaced;
      const warm = e.changes.filter((c) => c.warm).length;
      const what = [
        replaced && `${replaced} container${replaced === 1 ? '' : 's'} replaced${warm > 0 ? ` (${warm === replaced ? 'from' : `${warm} from`} warm standby${warm === 1 ? '' : 's'})` : ''}`,
        removed && `${removed} removed`,
      ]
        .filter(Boolean)
        .join(', ');
      return [`${p.green('✔')} ${e.service}: ${e.reason === 'manifest' ? 'manifest' : 'source'} change served in ${seconds(e.ms)} (${what}; all done in ${seconds(e.totalMs)})`];
    }
    case 'unchanged':
      return [`${p.green('✔')} ${e.service}: rebuilt, nothing changed for its containers (${seconds(e.ms)})`];
    case 'config-reloaded':
      return [`${p.green('✔')} portico.yaml: ${e.files.length > 0 ? `${e.files.join(', ')} rewritten, the gateway and registry reload them` : 'nothing to apply'} (${seconds(e.ms)})`];
    case 'reload-failed':
      return [`${p.red('✖')} ${e.service}: reload failed, the running containers keep serving; the next save retries.`, ...errorLines(e.error, color)];
    case 'manifest-invalid':
      return [`${p.red('✖')} portico.yaml is not valid: nothing changed.`, ...errorLines(e.error, color)];
    case 'note':
      return [`${p.yellow('note')} ${e.message}`];
  }
}

function errorLines(error: unknown, color: boolean): string[] {
  const p = paint(color);
  if (error instanceof PorticoError) return [...error.message.split('\n').map((l) => `  ${l}`), ...(error.hint ? [`  ${p.dim('hint')} ${error.hint.split('\n').join('\n  ')}`] : [])];
  return [`  ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`];
}
