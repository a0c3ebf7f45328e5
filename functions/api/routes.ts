import type { Route } from './router';
import { accountRoutes } from '../auth/account-routes';
import { authRoutes } from '../auth/routes';
import { recordingRoutes } from '../recordings/routes';
import { pollExportRoutes } from '../room/polls/poll-export';
import { boardArchiveRoutes } from '../room/whiteboard/board-archive-routes';
import { myRoomsRoutes } from '../room/my-rooms';
import { roomRoutes } from '../room/routes';
import { iceRoutes } from '../signaling/ice';

/*
 * Every HTTP API route, one import per feature. Feature modules export their own route tables;
 * the router (router.ts) matches method + path and maps typed errors to status codes.
 */
export const routes: Route[] = [
  ...authRoutes,
  ...accountRoutes,
  ...roomRoutes,
  ...myRoomsRoutes,
  ...pollExportRoutes,
  ...boardArchiveRoutes,
  ...recordingRoutes,
  ...iceRoutes,
];
