/**
 * A hand-written meeting client that runs inside a page on the app's origin and ignores everything the app would
 * do: it speaks the room socket and the PeerJS wire directly, with whatever ticket it is given. It is what an
 * attacker who kept a ticket would run; the same code with a current member's ticket receives media, which is what
 * makes a zero in the attack tests mean something.
 */
import type { Page } from 'playwright-core';

export interface Grant {
  ticket: string;
  peerId: string;
}

export interface RawCallResult {
  /** The PeerJS socket's handshake completed and the server sent OPEN. */
  opened: boolean;
  /** PeerJS frame types the server sent, in order. */
  frames: string[];
  /** The callee answered our OFFER. */
  answered: boolean;
  /** Inbound RTP bytes (audio + video) received from the callee. */
  bytesReceived: number;
}

/** Signs a new guest in and joins `roomId` over HTTP, as the pre-join page would; returns the ticket. */
export async function guestGrant(page: Page, roomId: string, name: string): Promise<Grant> {
  return page.evaluate(
    async ({ roomId, name }) => {
      const session = await fetch('/api/sessions/guest', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      const { accessToken } = (await session.json()) as { accessToken: string };
      const join = await fetch(`/api/rooms/${roomId}/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: '{}',
      });
      const body = (await join.json()) as { ticket: string; peerId: string; status: string };
      if (body.status !== 'joined') throw new Error(`join answered ${JSON.stringify(body)}`);
      return { ticket: body.ticket, peerId: body.peerId };
    },
    { roomId, name },
  );
}

/**
 * Opens the room socket with `ticket` and sends `join`; resolves with the first server message's type and code
 * (`welcome` when let in), or `refused` when the handshake itself failed. The socket stays open on success.
 */
export async function rawJoin(page: Page, grant: Grant): Promise<{ outcome: string; code?: string }> {
  return page.evaluate(async ({ ticket }) => {
    const { wsUrl } = (await (await fetch('/config.json')).json()) as { wsUrl: string };
    const base = wsUrl.replace(/\/+$/, '');
    const url = /\/peerjs$/.test(base) ? base : `${base}/peerjs`;
    const ws = new WebSocket(url, ['connect-now.v1', `cn-credential.${ticket}`]);
    (window as unknown as { __rawRoomSocket?: WebSocket }).__rawRoomSocket = ws;
    return new Promise<{ outcome: string; code?: string }>((resolve) => {
      const timer = setTimeout(() => resolve({ outcome: 'silence' }), 15_000);
      ws.onopen = () => ws.send(JSON.stringify({ type: 'join', state: { mic: false, cam: false } }));
      ws.onmessage = (e) => {
        const m = JSON.parse(String(e.data)) as { type: string; code?: string };
        clearTimeout(timer);
        resolve({ outcome: m.type, ...(m.code ? { code: m.code } : {}) });
      };
      ws.onerror = () => {
        clearTimeout(timer);
        resolve({ outcome: 'refused' });
      };
    });
  }, grant);
}

/**
 * Opens a PeerJS socket as `grant.peerId` and, if the server sends OPEN, calls `dst` with a receive-only camera
 * OFFER, then waits up to `waitMs` for inbound media bytes. Resolves as soon as bytes arrive, or at the deadline.
 */
export async function rawCall(page: Page, grant: Grant, dst: string, waitMs = 20_000): Promise<RawCallResult> {
  return page.evaluate(
    async ({ ticket, peerId, dst, waitMs }) => {
      const { wsUrl } = (await (await fetch('/config.json')).json()) as { wsUrl: string };
      const base = wsUrl.replace(/\/+$/, '');
      const root = /\/peerjs$/.test(base) ? base : `${base}/peerjs`;
      const url = `${root}?key=peerjs&id=${encodeURIComponent(peerId)}&version=1.5.5`;
      const result = { opened: false, frames: [] as string[], answered: false, bytesReceived: 0 };
      const pc = new RTCPeerConnection();
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
      const connectionId = `mc_raw${Math.random().toString(36).slice(2, 10)}`;
      const ws = new WebSocket(url, ['connect-now.v1', `cn-credential.${ticket}`]);
      const send = (m: unknown) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
      result.opened = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 15_000);
        ws.onmessage = (e) => {
          const m = JSON.parse(String(e.data)) as {
            type: string;
            payload?: { sdp?: RTCSessionDescriptionInit; candidate?: RTCIceCandidateInit };
          };
          result.frames.push(m.type);
          if (m.type === 'OPEN') {
            clearTimeout(timer);
            resolve(true);
          }
          if (m.type === 'ANSWER' && m.payload?.sdp) {
            result.answered = true;
            void pc.setRemoteDescription(m.payload.sdp);
          }
          if (m.type === 'CANDIDATE' && m.payload?.candidate)
            void pc.addIceCandidate(m.payload.candidate).catch(() => {});
        };
        ws.onerror = () => resolve(false);
        ws.onclose = () => resolve(false);
      });
      const bytes = async () => {
        let total = 0;
        (await pc.getStats()).forEach((s: { type: string; bytesReceived?: number }) => {
          if (s.type === 'inbound-rtp') total += s.bytesReceived ?? 0;
        });
        return total;
      };
      if (result.opened) {
        pc.onicecandidate = (e) => {
          if (e.candidate)
            send({ type: 'CANDIDATE', dst, payload: { candidate: e.candidate.toJSON(), type: 'media', connectionId } });
        };
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        send({
          type: 'OFFER',
          dst,
          payload: {
            sdp: { type: 'offer', sdp: offer.sdp },
            type: 'media',
            connectionId,
            metadata: { kind: 'camera' },
          },
        });
        const deadline = Date.now() + waitMs;
        while (Date.now() < deadline && (await bytes()) === 0) await new Promise((r) => setTimeout(r, 250));
      }
      result.bytesReceived = await bytes();
      ws.close();
      pc.close();
      return result;
    },
    { ...grant, dst, waitMs },
  );
}
