/*
 * Runs before each unit and integration test file: the handlers' Powertools logger stays silent, so a green run
 * prints only what jest reports (no JSON log lines, no stack traces of errors a test provokes on purpose).
 * CN_TEST_LOGS=1 brings the logs back when a failure needs them. POWERTOOLS_LOG_LEVEL wins over the LOG_LEVEL the
 * local cloud sets for its functions.
 */
if (process.env.CN_TEST_LOGS !== '1') process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
