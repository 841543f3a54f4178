import type { ServerResponse } from 'node:http';
import { CLIENT_CLOSED_REQUEST, responseOutcome } from './response-outcome';

const response = (state: Partial<Pick<ServerResponse, 'writableFinished' | 'headersSent' | 'statusCode'>>, requestAborted = false) =>
  ({ writableFinished: false, headersSent: false, statusCode: 200, req: { readableAborted: requestAborted }, ...state }) as unknown as ServerResponse;

describe('responseOutcome', () => {
  it('is the status sent for a response that went out whole', () => {
    expect(responseOutcome(response({ writableFinished: true, headersSent: true, statusCode: 201 }))).toEqual({ status: 201, aborted: false });
  });

  it('is 499, aborted, for a client gone before any answer (not the 200 Node holds by default)', () => {
    expect(responseOutcome(response({}))).toEqual({ status: CLIENT_CLOSED_REQUEST, aborted: true });
  });

  it('is 499, aborted, with the status sent, for an answer cut short', () => {
    expect(responseOutcome(response({ headersSent: true, statusCode: 200 }))).toEqual({ status: 499, aborted: true, sentStatus: 200 });
  });

  it('is 499, aborted, for a request its client cut off, even if the answer to the cut body went out whole', () => {
    expect(responseOutcome(response({ writableFinished: true, headersSent: true, statusCode: 400 }, true))).toEqual({ status: 499, aborted: true, sentStatus: 400 });
  });
});
