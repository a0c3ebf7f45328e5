import { splitLinks } from '../../../frontend/src/features/chat/chat-links';

describe('splitLinks', () => {
  it('turns http and https URLs into links and leaves the rest as text', () => {
    expect(splitLinks('agenda at https://docs.example/a?b=1#c and http://x.example')).toEqual([
      { kind: 'text', text: 'agenda at ' },
      { kind: 'link', text: 'https://docs.example/a?b=1#c', href: 'https://docs.example/a?b=1#c' },
      { kind: 'text', text: ' and ' },
      { kind: 'link', text: 'http://x.example', href: 'http://x.example/' },
    ]);
  });

  it('never links other schemes, however they are written', () => {
    for (const text of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)//http://x',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'ftp://files.example/x',
      'see www.example.com',
    ]) {
      expect(splitLinks(text).filter((p) => p.kind === 'link' && !/^https?:\/\//.test(p.href))).toEqual([]);
    }
    expect(splitLinks('javascript:alert(1)')).toEqual([{ kind: 'text', text: 'javascript:alert(1)' }]);
  });

  it('keeps sentence punctuation and an unopened closing bracket out of the link', () => {
    expect(splitLinks('(see https://x.example/a).')).toEqual([
      { kind: 'text', text: '(see ' },
      { kind: 'link', text: 'https://x.example/a', href: 'https://x.example/a' },
      { kind: 'text', text: ').' },
    ]);
    expect(splitLinks('https://en.wikipedia.org/wiki/Tree_(graph)')[0]).toMatchObject({
      kind: 'link',
      text: 'https://en.wikipedia.org/wiki/Tree_(graph)',
    });
  });

  it('stops a link at quotes and angle brackets, so markup around it stays text', () => {
    expect(splitLinks('<a href="https://x.example/">')).toEqual([
      { kind: 'text', text: '<a href="' },
      { kind: 'link', text: 'https://x.example/', href: 'https://x.example/' },
      { kind: 'text', text: '">' },
    ]);
  });

  it('returns plain text unchanged', () => {
    expect(splitLinks('no links here')).toEqual([{ kind: 'text', text: 'no links here' }]);
    expect(splitLinks('')).toEqual([]);
  });
});
