import { ApiProperty } from '@nestjs/swagger';

export class HealthIndicatorDto {
  /**
   * `up` or `down`.
   * @example up
   */
  status!: 'up' | 'down';

  /**
   * What was checked, or why it failed.
   * @example docker engine at /var/run/docker.sock
   */
  detail?: string;
}

/** The shape of @nestjs/terminus health checks: `info` has the healthy indicators, `error` the failing ones. */
export class HealthCheckDto {
  /**
   * `ok` when every indicator is up, else `error`.
   * @example ok
   */
  status!: 'ok' | 'error';

  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/HealthIndicatorDto' } })
  info!: Record<string, HealthIndicatorDto>;

  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/HealthIndicatorDto' } })
  error!: Record<string, HealthIndicatorDto>;

  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/HealthIndicatorDto' } })
  details!: Record<string, HealthIndicatorDto>;
}
