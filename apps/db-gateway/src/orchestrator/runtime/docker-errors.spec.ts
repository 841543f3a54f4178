import { ErrorCode } from '@dbforge/contracts';
import { DomainError } from '../../common/domain.error';
import { isDockerNotFound, translateDockerError } from './docker-errors';

describe('translateDockerError', () => {
  it.each(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET'])('maps %s (no engine at the socket) to RUNTIME_UNAVAILABLE', (code) => {
    const error = translateDockerError(Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code }), 'start the worker');
    expect(error).toMatchObject({ code: ErrorCode.RUNTIME_UNAVAILABLE });
    expect(error.message).toBe(`Docker engine is unreachable; cannot start the worker (${code}).`);
  });

  it("maps an engine refusal to RUNTIME_FAILURE with the engine's reason", () => {
    const refusal = Object.assign(new Error('(HTTP code 404) no such container'), { statusCode: 404, json: { message: 'No such image: x:y' } });
    const error = translateDockerError(refusal, "create the worker of 'db'");
    expect(error).toMatchObject({ code: ErrorCode.RUNTIME_FAILURE, message: "Docker engine could not create the worker of 'db': No such image: x:y" });
  });

  it('passes domain errors through', () => {
    const original = DomainError.databaseNotFound();
    expect(translateDockerError(original, 'x')).toBe(original);
  });

  it('recognises 404s', () => {
    expect(isDockerNotFound({ statusCode: 404 })).toBe(true);
    expect(isDockerNotFound({ statusCode: 500 })).toBe(false);
    expect(isDockerNotFound(undefined)).toBe(false);
  });
});
