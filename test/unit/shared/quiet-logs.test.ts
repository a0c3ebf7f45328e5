import { logger } from '../../../functions/shared/logger';

// A green run prints only jest's report: the handlers' structured logs are off unless CN_TEST_LOGS=1.
it('keeps the functions logger silent under test, errors included', () => {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }),
  );
  try {
    logger.info('room joined', { roomId: 'r1' });
    logger.warn('slow handler');
    logger.error('expected failure', new Error('provoked by a test'));
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  expect(written.join('')).toBe('');
});
