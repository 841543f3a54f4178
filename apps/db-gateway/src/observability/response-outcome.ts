import type { ServerResponse } from 'node:http';

/** The status logged and counted for a request whose client went away before its answer was complete (nginx's "client closed request"). */
export const CLIENT_CLOSED_REQUEST = 499;

export interface ResponseOutcome {
  status: number;
  /** The connection closed before the whole response went out: the client aborted (mid-body, or while a long answer was streamed). */
  aborted: boolean;
  /** For an aborted request whose response headers had gone out (a stream cut short, an error answered onto a closing socket): their status. */
  sentStatus?: number;
}

/**
 * How a request ended, read when its response finishes or its connection closes, whichever comes
 * first. A request whose client went away before the whole answer went out is 499, whatever Node
 * holds as the status meanwhile (the default 200 before any answer).
 */
export function responseOutcome(response: ServerResponse): ResponseOutcome {
  // A client that went away mid-request (its body cut off) aborted it, even when an answer to the
  // cut body (the body parser's 400) still made it into the socket before the close was noticed.
  const requestAborted = response.req?.readableAborted === true;
  if (response.writableFinished && !requestAborted) return { status: response.statusCode, aborted: false };
  return response.headersSent ? { status: CLIENT_CLOSED_REQUEST, aborted: true, sentStatus: response.statusCode } : { status: CLIENT_CLOSED_REQUEST, aborted: true };
}

/** Calls `listener` once, when `response` finishes or its connection closes, whichever is first. */
export function onResponseEnd(response: ServerResponse, listener: (outcome: ResponseOutcome) => void): void {
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    listener(responseOutcome(response));
  };
  response.once('finish', end).once('close', end);
}
