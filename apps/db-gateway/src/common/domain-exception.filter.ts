import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ErrorBodyDto, ErrorCode } from '@dbforge/contracts';
import type { Response } from 'express';
import { DomainError } from './domain.error';
import { ErrorEvents } from './error-events';
import { statusOf } from './error-status';

/** Turns every error into the one error body: `{detail, error: {code, message, status}}`. */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly errors: ErrorEvents) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { code, message, status } = this.describe(exception);
    const body: ErrorBodyDto = { detail: message, error: { code, message, status } };
    this.errors.publish(code);
    // For the request log, which gives every error's code and, for a failure of the gateway's own (5xx), its reason.
    response.locals.error = body.error;
    if (response.headersSent) {
      response.end();
      return;
    }
    if (exception instanceof DomainError) response.set(exception.headers);
    if (response.locals.errorShape === 'hrana') {
      // libSQL clients read `message` and `code`, and only from a body typed exactly application/json.
      response.status(status).setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ message, code, ...body }));
      return;
    }
    response.status(status).json(body);
  }

  private describe(exception: unknown): { code: ErrorCode; message: string; status: number } {
    if (exception instanceof DomainError) {
      return { code: exception.code, message: exception.message, status: statusOf(exception.code) };
    }
    if (exception instanceof HttpException) {
      return this.fromHttpException(exception);
    }
    this.logger.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
    return { code: ErrorCode.INTERNAL_ERROR, message: 'Internal server error.', status: HttpStatus.INTERNAL_SERVER_ERROR };
  }

  private fromHttpException(exception: HttpException): { code: ErrorCode; message: string; status: number } {
    const status = exception.getStatus();
    if (status === HttpStatus.NOT_FOUND) {
      // FastAPI's wording, which v1 clients saw for unknown routes.
      return this.coded(ErrorCode.ROUTE_NOT_FOUND, 'Not Found');
    }
    if (status === HttpStatus.PAYLOAD_TOO_LARGE) {
      return this.coded(ErrorCode.PAYLOAD_TOO_LARGE, 'Request body is larger than the configured limit.');
    }
    if (status < 500) {
      return { code: ErrorCode.VALIDATION_FAILED, message: exception.message, status };
    }
    this.logger.error(exception.stack ?? exception.message);
    return this.coded(ErrorCode.INTERNAL_ERROR, 'Internal server error.');
  }

  private coded(code: ErrorCode, message: string): { code: ErrorCode; message: string; status: number } {
    return { code, message, status: statusOf(code) };
  }
}
