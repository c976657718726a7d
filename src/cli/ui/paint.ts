import { Chalk } from 'chalk';

/** Colour helpers bound to one decision (colour on or off) made once per command. */
export function paint(color: boolean) {
  return new Chalk({ level: color ? 1 : 0 });
}
