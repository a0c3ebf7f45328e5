/**
 * WCAG 2.x contrast of the palette in frontend/src/styles/base.css, computed from the CSS itself: white text on the
 * blue and red fills, and the text tokens on the dark surfaces, must reach AA for normal text (4.5:1). Every rule
 * anywhere in frontend/src that sets both a background and a text colour is checked the same way.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const srcDir = resolve(__dirname, '../../../../frontend/src');
const base = readFileSync(join(srcDir, 'styles/base.css'), 'utf8');

const tokens = new Map(
  [...(/:root\s*{([^}]*)}/.exec(base)?.[1] ?? '').matchAll(/--([\w-]+):\s*([^;]+);/g)].map((m) => [
    m[1]!,
    m[2]!.trim(),
  ]),
);

function hex(value: string): string | null {
  const v = value.trim();
  const token = /^var\(--([\w-]+)\)$/.exec(v);
  if (token) return hex(tokens.get(token[1]!) ?? '');
  if (/^#[0-9a-f]{6}$/i.test(v)) return v.toLowerCase();
  if (/^#[0-9a-f]{3}$/i.test(v)) return `#${[...v.slice(1)].map((c) => c + c).join('')}`.toLowerCase();
  return null;
}

/** Relative luminance, WCAG 2.x definition (sRGB channels linearised). */
function luminance(colour: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(colour.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const colour = (token: string) => {
  const value = hex(`var(--${token})`);
  if (!value) throw new Error(`no colour token --${token} in base.css`);
  return value;
};

describe('palette contrast (WCAG AA, 4.5:1 for normal text)', () => {
  it('computes contrast the WCAG way (known reference pairs)', () => {
    expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    // The old blue and red that the issue measured.
    expect(contrast('#ffffff', '#2f7cf6')).toBeCloseTo(3.94, 2);
    expect(contrast('#ffffff', '#e5484d')).toBeCloseTo(3.91, 2);
  });

  it.each(['accent', 'danger'])('white (--on-fill) on --%s buttons reaches 4.5:1', (fill) => {
    expect(contrast(colour('on-fill'), colour(fill))).toBeGreaterThanOrEqual(4.5);
  });

  it.each(['text', 'muted', 'accent-text', 'danger-text', 'ok-text'])('--%s on every surface reaches 4.5:1', (text) => {
    for (const surface of ['bg', 'panel', 'panel-2']) {
      expect({ surface, ratio: contrast(colour(text), colour(surface)) >= 4.5 }).toEqual({ surface, ratio: true });
    }
  });

  it('every rule that sets both a background and a text colour reaches 4.5:1', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.css') ? [join(dir, e.name)] : [],
      );
    const failures: string[] = [];
    let checked = 0;
    for (const file of files(srcDir)) {
      const css = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      for (const [, selector, body] of css.matchAll(/([^{}]+){([^{}]*)}/g)) {
        const bg = /(?:^|;)\s*background(?:-color)?:\s*([^;]+);/.exec(body!)?.[1];
        const fg = /(?:^|;)\s*color:\s*([^;]+);/.exec(body!)?.[1];
        const [b, f] = [bg && hex(bg), fg && hex(fg)];
        if (!b || !f) continue;
        checked += 1;
        const ratio = contrast(b, f);
        if (ratio < 4.5) failures.push(`${relative(srcDir, file)} ${selector!.trim()}: ${ratio.toFixed(2)}:1`);
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(failures).toEqual([]);
  });
});
