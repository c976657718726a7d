// `portico dashboard`'s pure parts: the links it prints and where it opens a browser.
import { describe, expect, it } from 'vitest';
import { dashboardLinks } from '../../src/cli/commands/dashboard.js';
import { browserOpener } from '../../src/cli/ui/open-browser.js';

describe('portico dashboard', () => {
  it('prints the portal URL and a login link with the token in the fragment only', () => {
    const links = dashboardLinks('http://127.0.0.1:8080', 'tok_en-123');
    expect(links.url).toBe('http://127.0.0.1:8080/_portico/ui/');
    expect(links.login).toBe('http://127.0.0.1:8080/_portico/login#token=tok_en-123');
    // The part a browser sends (path and query) never holds the token.
    const sent = new URL(links.login);
    expect(sent.pathname + sent.search).not.toContain('tok_en');
  });

  it('opens a browser only where one can appear, never in CI', () => {
    expect(browserOpener('darwin', {})).toEqual({ command: 'open', args: [] });
    expect(browserOpener('darwin', { CI: 'true' })).toBeNull();
    expect(browserOpener('linux', {})).toBeNull();
    expect(browserOpener('linux', { DISPLAY: ':0' })).toEqual({ command: 'xdg-open', args: [] });
    expect(browserOpener('linux', { WAYLAND_DISPLAY: 'wayland-0' })?.command).toBe('xdg-open');
    expect(browserOpener('linux', { DISPLAY: ':0', CI: '1' })).toBeNull();
    expect(browserOpener('win32', {})?.command).toBe('cmd');
  });
});
