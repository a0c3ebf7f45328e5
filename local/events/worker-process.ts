import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface WorkerStatus {
  status: 'running' | 'stopped' | 'missing' | 'disabled' | 'crashed';
  pid?: number;
  restarts: number;
  lastExit?: string;
}

/**
 * The Whisper worker (an EC2 process in AWS) as a child process with the same environment as the functions.
 * Restarted with backoff if it dies, as the Auto Scaling group would replace an unhealthy instance.
 */
export class WorkerProcess {
  private child?: ChildProcess;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  readonly state: WorkerStatus;

  constructor(
    private readonly entry: string,
    private readonly env: () => NodeJS.ProcessEnv,
    enabled: boolean,
    private readonly log: (line: string) => void,
  ) {
    this.state = { status: !enabled ? 'disabled' : existsSync(entry) ? 'stopped' : 'missing', restarts: 0 };
  }

  start(): void {
    if (this.state.status === 'disabled' || this.state.status === 'missing' || this.child) return;
    const child = spawn(
      process.execPath,
      ['--require', join(__dirname, 'exit-with-parent.cjs'), '--import', 'tsx', this.entry],
      {
        env: this.env(),
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    this.child = child;
    this.state.status = 'running';
    this.state.pid = child.pid;
    child.on('exit', (code, signal) => {
      this.child = undefined;
      this.state.pid = undefined;
      this.state.lastExit = signal ? `signal ${signal}` : `code ${code}`;
      if (this.stopping) {
        this.state.status = 'stopped';
        return;
      }
      this.state.status = 'crashed';
      this.state.restarts++;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(this.state.restarts, 5));
      this.log(`[worker] exited (${this.state.lastExit}); restarting in ${delay / 1000} s`);
      this.restartTimer = setTimeout(() => this.start(), delay);
      this.restartTimer.unref();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
