import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckDto } from '@dbforge/contracts';
import type { Response } from 'express';
import { PublicRoute } from '../auth/access.decorators';
import { HealthService } from './health.service';

@ApiTags('health')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** The process is up. */
  @Get('live')
  @ApiOkResponse({ type: HealthCheckDto })
  live(): HealthCheckDto {
    return this.health.live();
  }

  /** Ready to serve: data directory writable, catalog open, container runtime reachable, every active database's file present (503 and the failing checks otherwise). */
  @Get('ready')
  @ApiOkResponse({ type: HealthCheckDto })
  @ApiServiceUnavailableResponse({ type: HealthCheckDto })
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckDto> {
    const result = await this.health.ready();
    response.status(result.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return result;
  }
}
