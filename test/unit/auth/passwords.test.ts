import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PASSWORD_DICTIONARY_PACKAGE } from '../../../functions/auth/password-dictionary';
import { createPasswordHasher, OWASP_SCRYPT, passwordProblem } from '../../../functions/auth/passwords';
import { emailSchema, newPasswordSchema } from '../../../functions/shared/protocol/accounts';

describe('password hashing', () => {
  it('hashes with OWASP scrypt parameters written into the hash, and verifies only the right password', async () => {
    const hasher = createPasswordHasher();
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$17\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(OWASP_SCRYPT).toEqual({ log2N: 17, r: 8, p: 1 });
    expect(await hasher.verify('correct horse battery staple', hash)).toBe(true);
    expect(await hasher.verify('correct horse battery stapler', hash)).toBe(false);
  }, 30_000);

  it('salts every hash, and reads hashes made with other parameters', async () => {
    const cheap = createPasswordHasher({ log2N: 10, r: 8, p: 1 });
    const [a, b] = [await cheap.hash('same words here'), await cheap.hash('same words here')];
    expect(a).not.toBe(b);
    expect(await createPasswordHasher({ log2N: 11, r: 8, p: 1 }).verify('same words here', a)).toBe(true);
  });

  it('answers false, never throws, for a missing or malformed hash (an account without a password)', async () => {
    const cheap = createPasswordHasher({ log2N: 10, r: 8, p: 1 });
    for (const stored of [null, undefined, '', 'scrypt$17$8$1$x$y', 'plain-text-password']) {
      expect(await cheap.verify('anything at all', stored)).toBe(false);
    }
    // The dummy hash's key is zeros, which no password derives: not even the empty one.
    expect(await cheap.verify('', null)).toBe(false);
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const cheap = createPasswordHasher({ log2N: 10, r: 8, p: 1 });
    const hash = await cheap.hash('cr\u00e8me br\u00fbl\u00e9e au citron');
    expect(await cheap.verify('cre\u0300me bru\u0302le\u0301e au citron', hash)).toBe(true);
  });
});

describe('password strength', () => {
  it('refuses common passwords, keyboard walks and the person’s own name or address', async () => {
    for (const weak of ['password1234', 'qwertyuiop123', '1234567890', 'iloveyou2024']) {
      expect(await passwordProblem(weak, [])).toBeDefined();
    }
    expect(await passwordProblem('adalovelace1815', ['ada.lovelace@example.com', 'Ada Lovelace'])).toBeDefined();
  });

  it('accepts passphrases of unrelated words', async () => {
    expect(await passwordProblem('correct horse battery staple', ['ada@example.com'])).toBeUndefined();
    expect(await passwordProblem('violet tangerine lighthouse orbit', [])).toBeUndefined();
  });

  it('imports the dictionary package that lib/function-entries.ts copies beside the bundle', () => {
    const source = readFileSync(join(__dirname, '../../../functions/auth/passwords.ts'), 'utf8');
    expect(source).toContain(`import('${PASSWORD_DICTIONARY_PACKAGE}')`);
    expect(source).not.toMatch(/from '@zxcvbn-ts\/language-common'/);
  });

  it('bounds the length before any hashing', () => {
    expect(newPasswordSchema.safeParse('short').success).toBe(false);
    expect(newPasswordSchema.safeParse('x'.repeat(129)).success).toBe(false);
    expect(newPasswordSchema.safeParse('x'.repeat(128)).success).toBe(true);
  });
});

describe('email addresses', () => {
  it('keeps one spelling per mailbox: trimmed and lower-cased', () => {
    expect(emailSchema.parse('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });

  it('refuses what is not an address', () => {
    for (const value of ['ada', 'ada@', '@example.com', 'a b@example.com', `${'a'.repeat(250)}@example.com`]) {
      expect(emailSchema.safeParse(value).success).toBe(false);
    }
  });
});
