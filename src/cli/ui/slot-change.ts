// One line per container a rolling change touched (restart, scale, dev).
import type { SlotChange } from '../../engine/rolling.js';
import { paint } from './paint.js';

export function slotChangeLine(c: SlotChange, color: boolean): string {
  const p = paint(color);
  const what = c.action === 'replaced' ? 'replaced (new container serving, old one drained)' : c.action === 'added' ? 'added and serving' : 'drained and removed';
  return `${p.green('✔')} ${c.container}: ${what} in ${(c.ms / 1000).toFixed(1)} s`;
}
