import type { ApiClient } from './api/client';
import type { RuntimeConfig } from './config';

export interface AppContext {
  config: RuntimeConfig;
  api: ApiClient;
  root: HTMLElement;
  navigate(path: string): void;
  /** The name the user typed last (kept in memory for this tab only). */
  displayName: string;
}
