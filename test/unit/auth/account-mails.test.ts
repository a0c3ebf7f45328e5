import {
  emailChangeMail,
  emailChangedNotice,
  emailTakenMail,
  maskedAddress,
} from '../../../functions/auth/account-mails';

const PAGE = 'https://meet.example.com/';
const TOKEN = 'a'.repeat(43);

describe('account mails for a change of email', () => {
  it('sends the new address a link to the confirm page, token in the fragment', () => {
    const mail = emailChangeMail(PAGE, 'new@example.com', TOKEN);
    expect(mail.to).toBe('new@example.com');
    expect(mail.text).toContain(`https://meet.example.com/account/email#token=${TOKEN}`);
  });

  it('tells an address that already has an account nothing about the requester, and gives it no link', () => {
    const mail = emailTakenMail(PAGE, 'owned@example.com');
    expect(mail.text).not.toMatch(/#token=/);
    expect(mail.text).toContain('https://meet.example.com/account/sign-in');
  });

  it('tells the old address where the account went, masked', () => {
    const mail = emailChangedNotice('old@example.com', 'grace.hopper@navy.example');
    expect(mail.to).toBe('old@example.com');
    expect(mail.text).toContain('g***@navy.example');
    expect(mail.text).not.toContain('grace.hopper');
  });

  it('masks addresses down to the first letter and the domain', () => {
    expect(maskedAddress('ada@example.com')).toBe('a***@example.com');
    expect(maskedAddress('@example.com')).toBe('***');
    expect(maskedAddress('nodomain')).toBe('***');
  });
});
