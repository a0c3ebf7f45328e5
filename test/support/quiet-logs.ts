/*
 * Runs before each test file of every tier: the handlers' Powertools logger stays silent, so a green run
 * prints only what jest reports (no JSON log lines, no stack traces of errors a test provokes on purpose).
 * CN_TEST_LOGS=1 brings the logs back when a failure needs them. POWERTOOLS_LOG_LEVEL wins over the LOG_LEVEL the
 * local cloud sets for its functions.
 */
if (process.env.CN_TEST_LOGS !== '1') process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
// Lambda runs Node.js 22; these machines run 20. The SDK's notice that its 2027 releases will need 22 says nothing
// about a test, and it would print once per test file (the deploy pins the Lambda runtime, test/infra checks it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
