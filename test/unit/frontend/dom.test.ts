/**
 * The DOM helper is the one place untrusted text becomes DOM, so it is tested in a real DOM: Debian Chromium,
 * with the module bundled exactly as the app bundles it.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../../support/browser';

let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [join(__dirname, '../../../frontend/src/ui/dom.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'dom',
  });
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setContent('<div id="root"></div>');
  await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

const HOSTILE = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '"><svg onload=window.__pwned=3>',
  '&lt;b&gt;bold&lt;/b&gt;',
];

describe('h() in a real DOM', () => {
  it('renders hostile names and chat as inert text, exactly as typed', async () => {
    const result = await page.evaluate((inputs) => {
      type Dom = typeof import('../../../frontend/src/ui/dom');
      const { h, replaceChildren } = (window as unknown as { dom: Dom }).dom;
      const root = document.getElementById('root')!;
      replaceChildren(root, ...inputs.map((s) => h('p', { class: 'line' }, 'Name: ', s)));
      return {
        texts: Array.from(root.querySelectorAll('p')).map((p) => p.textContent),
        elements: root.querySelectorAll('img, script, svg, b').length,
        pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
      };
    }, HOSTILE);
    expect(result.texts).toEqual(HOSTILE.map((s) => `Name: ${s}`));
    expect(result.elements).toBe(0);
    expect(result.pwned).toBeNull();
  });

  it('redrawKeepingFocus hands the focus to the redrawn control, so arrow-key changes that redraw keep going', async () => {
    const result = await page.evaluate(() => {
      type Dom = typeof import('../../../frontend/src/ui/dom');
      const { h, redrawKeepingFocus, replaceChildren } = (window as unknown as { dom: Dom }).dom;
      const root = document.getElementById('root')!;
      const draw = (redraw: typeof replaceChildren) =>
        redraw(root, h('select', { attrs: { 'data-testid': 'place-eve' } }), h('button', null, 'x'));
      draw(replaceChildren);
      root.querySelector('select')!.focus();
      draw(redrawKeepingFocus);
      const kept = document.activeElement === root.querySelector('select');
      draw(replaceChildren);
      root.querySelector('select')!.focus();
      draw(replaceChildren);
      const plain = document.activeElement === root.querySelector('select');
      return { kept, plain };
    });
    expect(result).toEqual({ kept: true, plain: false });
  });

  it('refuses event-handler and style attributes and javascript: URLs', async () => {
    const errors = await page.evaluate(() => {
      type Dom = typeof import('../../../frontend/src/ui/dom');
      const { h } = (window as unknown as { dom: Dom }).dom;
      const attempts: Record<string, string>[] = [
        { onclick: 'alert(1)' },
        { ONMOUSEOVER: 'alert(1)' },
        { style: 'color:red' },
        { href: 'javascript:alert(1)' },
        { href: ' JaVaScRiPt:alert(1)' },
        { src: 'data:text/html,<script>1</script>' },
        { href: '//evil.example/x' },
      ];
      return attempts.map((attrs) => {
        try {
          h('a', { attrs });
          return 'accepted';
        } catch (e) {
          return (e as Error).message.startsWith('refusing') ? 'refused' : String(e);
        }
      });
    });
    expect(errors).toEqual(Array(7).fill('refused'));
  });

  it('keeps safe attributes and same-origin links', async () => {
    const html = await page.evaluate(() => {
      type Dom = typeof import('../../../frontend/src/ui/dom');
      const { h } = (window as unknown as { dom: Dom }).dom;
      const a = h('a', { attrs: { href: '/r/abcd-efgh', 'aria-label': '"quoted" <name>', 'data-peer': 'p1' } }, 'x');
      return [a.getAttribute('href'), a.getAttribute('aria-label'), a.dataset.peer];
    });
    expect(html).toEqual(['/r/abcd-efgh', '"quoted" <name>', 'p1']);
  });

  it('strips control and bidi-override characters from display names and bounds their length', async () => {
    const out = await page.evaluate(() => {
      type Dom = typeof import('../../../frontend/src/ui/dom');
      const { displayText, initials } = (window as unknown as { dom: Dom }).dom;
      return [displayText('Ana\u202Egnp.exe\u0007'), displayText('x'.repeat(100), 10), initials('  ana   maría lópez')];
    });
    expect(out).toEqual(['Anagnp.exe', 'xxxxxxxxx…', 'AM']);
  });
});
