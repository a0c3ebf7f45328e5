-- Account changes (#15): a change of email address is verified again. The link goes to the new address and names
-- the account it moves (user_id); the account's address changes only when the link is used.
ALTER TABLE account_email_tokens DROP CONSTRAINT IF EXISTS account_email_tokens_purpose_check;
ALTER TABLE account_email_tokens DROP CONSTRAINT IF EXISTS account_email_tokens_check;
ALTER TABLE account_email_tokens DROP CONSTRAINT IF EXISTS account_email_tokens_purpose_known;
ALTER TABLE account_email_tokens ADD CONSTRAINT account_email_tokens_purpose_known CHECK (
  purpose IN ('verify', 'reset', 'change-email')
);
-- reset and change-email act on an existing account; verify makes one, so it has none yet.
ALTER TABLE account_email_tokens DROP CONSTRAINT IF EXISTS account_email_tokens_user_for_purpose;
ALTER TABLE account_email_tokens ADD CONSTRAINT account_email_tokens_user_for_purpose CHECK (
  (purpose IN ('reset', 'change-email')) = (user_id IS NOT NULL)
);

CREATE INDEX IF NOT EXISTS account_email_tokens_user ON account_email_tokens (user_id, purpose);
