import {
  ArgumentsHost,
  BadGatewayException,
  BadRequestException,
  ForbiddenException,
  HttpException,
  InternalServerErrorException,
  Logger,
  MethodNotAllowedException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import type { Response } from 'express';
import { DomainExceptionFilter } from './domain-exception.filter';
import { DomainError } from './domain.error';
import { ErrorEvents } from './error-events';

/** The part of an express response the filter writes to, remembering what was written. */
class FakeResponse {
  headersSent = false;
  statusCode = 200;
  readonly headers: Record<string, string> = {};
  body?: unknown;
  ended = false;
  readonly locals: Record<string, unknown> = {};

  set(fields: Record<string, string>): this {
    Object.assign(this.headers, fields);
    return this;
  }

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  json(body: unknown): this {
    this.body = body;
    this.ended = true;
    return this;
  }

  end(): this {
    this.ended = true;
    return this;
  }
}

const errorBody = (status: number, code: ErrorCode, message: string) => ({ detail: message, error: { code, message, status } });

describe('DomainExceptionFilter', () => {
  let published: ErrorCode[];
  let logged: jest.SpyInstance;
  let response: FakeResponse;
  let sut: DomainExceptionFilter;

  /** Answers `exception` on a fresh response, as the last stop of a request. */
  function answer(exception: unknown): FakeResponse {
    sut.catch(exception, { switchToHttp: () => ({ getResponse: () => response as unknown as Response }) } as unknown as ArgumentsHost);
    return response;
  }

  beforeEach(() => {
    published = [];
    const events = new ErrorEvents();
    events.subscribe((code) => published.push(code));
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    response = new FakeResponse();
    sut = new DomainExceptionFilter(events);
  });

  afterEach(() => {
    logged.mockRestore();
  });

  it.each([
    [ErrorCode.DATABASE_NOT_FOUND, 404],
    [ErrorCode.UNAUTHENTICATED, 401],
    [ErrorCode.INSUFFICIENT_SCOPE, 403],
    [ErrorCode.SQL_ERROR, 400],
    [ErrorCode.STATEMENT_TIMEOUT, 408],
    [ErrorCode.DATABASE_EXISTS, 409],
    [ErrorCode.RUNTIME_FAILURE, 502],
    [ErrorCode.DATABASE_BUSY, 503],
  ])('answers a DomainError %s with status %i, its code and its message, and publishes the code', (code, status) => {
    const sent = answer(new DomainError(code, `Something about ${code}.`));
    expect(sent.statusCode).toBe(status);
    expect(sent.body).toEqual(errorBody(status, code, `Something about ${code}.`));
    expect(sent.headers).toEqual({});
    expect(published).toEqual([code]);
    expect(logged).not.toHaveBeenCalled();
    // Left for the request log, which gives the code of every error.
    expect(response.locals.error).toEqual({ code, message: `Something about ${code}.`, status });
  });

  it('sends the headers that belong to a DomainError, such as Retry-After', () => {
    const sent = answer(new DomainError(ErrorCode.RATE_LIMITED, 'Too many requests; retry in 3 s.', { 'Retry-After': '3' }));
    expect(sent.statusCode).toBe(429);
    expect(sent.headers).toEqual({ 'Retry-After': '3' });
    expect(sent.body).toEqual(errorBody(429, ErrorCode.RATE_LIMITED, 'Too many requests; retry in 3 s.'));
    expect(published).toEqual([ErrorCode.RATE_LIMITED]);
  });

  it('answers an unknown route (404 from Nest) with ROUTE_NOT_FOUND and v1 wording', () => {
    const sent = answer(new NotFoundException('Cannot GET /nowhere'));
    expect(sent.statusCode).toBe(404);
    expect(sent.body).toEqual(errorBody(404, ErrorCode.ROUTE_NOT_FOUND, 'Not Found'));
    expect(published).toEqual([ErrorCode.ROUTE_NOT_FOUND]);
  });

  it('answers a 413 HttpException with PAYLOAD_TOO_LARGE', () => {
    const sent = answer(new PayloadTooLargeException('request entity too large'));
    expect(sent.statusCode).toBe(413);
    expect(sent.body).toEqual(errorBody(413, ErrorCode.PAYLOAD_TOO_LARGE, 'Request body is larger than the configured limit.'));
    expect(published).toEqual([ErrorCode.PAYLOAD_TOO_LARGE]);
  });

  it.each([
    ['BadRequestException (400)', new BadRequestException('Unexpected field "x".'), 400, 'Unexpected field "x".'],
    ['ForbiddenException without a message (403)', new ForbiddenException(), 403, 'Forbidden'],
    ['MethodNotAllowedException (405)', new MethodNotAllowedException('Use POST.'), 405, 'Use POST.'],
    ['plain HttpException (410)', new HttpException('Gone for good.', 410), 410, 'Gone for good.'],
  ])('answers a %s with its own status and message, coded VALIDATION_FAILED', (_label, exception, status, message) => {
    const sent = answer(exception);
    expect(sent.statusCode).toBe(status);
    expect(sent.body).toEqual(errorBody(status, ErrorCode.VALIDATION_FAILED, message));
    expect(sent.headers).toEqual({});
    expect(published).toEqual([ErrorCode.VALIDATION_FAILED]);
    expect(logged).not.toHaveBeenCalled();
  });

  it.each([
    ['InternalServerErrorException (500)', new InternalServerErrorException('pool at /srv/data/alpha.db broke')],
    ['BadGatewayException (502)', new BadGatewayException('pool at /srv/data/alpha.db broke')],
    ['ServiceUnavailableException (503)', new ServiceUnavailableException('pool at /srv/data/alpha.db broke')],
  ])('answers a %s with 500 INTERNAL_ERROR, logging it but not telling the caller', (_label, exception) => {
    const sent = answer(exception);
    expect(sent.statusCode).toBe(500);
    expect(sent.body).toEqual(errorBody(500, ErrorCode.INTERNAL_ERROR, 'Internal server error.'));
    expect(published).toEqual([ErrorCode.INTERNAL_ERROR]);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('pool at /srv/data/alpha.db broke'));
  });

  it('answers any other error with 500 INTERNAL_ERROR, logging its stack but not telling the caller', () => {
    const failure = new TypeError('cannot read /srv/data/secret');
    const sent = answer(failure);
    expect(sent.statusCode).toBe(500);
    expect(sent.body).toEqual(errorBody(500, ErrorCode.INTERNAL_ERROR, 'Internal server error.'));
    expect(sent.headers).toEqual({});
    expect(published).toEqual([ErrorCode.INTERNAL_ERROR]);
    expect(logged).toHaveBeenCalledWith(failure.stack);
  });

  it('answers a thrown value that is not an Error with 500 INTERNAL_ERROR, logging the value', () => {
    expect(answer('plain text thrown').body).toEqual(errorBody(500, ErrorCode.INTERNAL_ERROR, 'Internal server error.'));
    expect(logged).toHaveBeenCalledWith('plain text thrown');
    expect(published).toEqual([ErrorCode.INTERNAL_ERROR]);
  });

  it('only ends a response whose headers were already sent (a stream that failed midway), and still publishes the code', () => {
    response.headersSent = true;
    const sent = answer(new DomainError(ErrorCode.RATE_LIMITED, 'Too many requests; retry in 3 s.', { 'Retry-After': '3' }));
    expect(sent.ended).toBe(true);
    expect(sent.statusCode).toBe(200);
    expect(sent.headers).toEqual({});
    expect(sent.body).toBeUndefined();
    expect(published).toEqual([ErrorCode.RATE_LIMITED]);

    answer(new Error('socket closed'));
    expect(sent.body).toBeUndefined();
    expect(published).toEqual([ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL_ERROR]);
  });
});
