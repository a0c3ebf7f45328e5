/*
 * Imported first by bench/enumeration.ts: the functions read LIMITS_JSON once, when rate-limit.ts loads, so the raised
 * limits must be in the environment before anything imports it.
 */
const big = { max: 100_000, windowSeconds: 3600 };
process.env.LIMITS_JSON = JSON.stringify({
  signIn: big,
  passwordSignIn: big,
  accountMail: big,
  accountMailAddress: big,
});
