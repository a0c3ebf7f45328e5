/**
 * The npm package of zxcvbn's common-password dictionary. It is most of what the HTTP API would otherwise compile at
 * every cold start (≈ 420 KiB of its 1.4 MiB bundle), yet only sign-up, password reset and password change need it.
 * So the bundle leaves it out and passwords.ts loads it on its first check, from node_modules beside the bundle
 * (FUNCTION_RUNTIME_MODULES in lib/function-entries.ts copies it there): every other request's cold start skips it.
 */
export const PASSWORD_DICTIONARY_PACKAGE = '@zxcvbn-ts/language-common';
