import { Controller, Get, HttpStatus, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckDto } from '@dbforge/contracts';
import type { Request, Response } from 'express';
import { PublicRoute } from '../auth/access.decorators';
import { ApiKeysService } from '../auth/api-keys.service';
import { presentedKey } from '../auth/presented-key';
import { HealthService } from './health.service';

@ApiTags('health')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly keys: ApiKeysService,
  ) {}

  /** The process is up. */
  @Get('live')
  @ApiOkResponse({ type: HealthCheckDto })
  live(): HealthCheckDto {
    return this.health.live();
  }

  /**
   * Ready to serve, or 503 with the failing checks
   * @remarks The data directory is writable, the catalog open, the container runtime reachable and every
   * active database's file present (503 and the failing checks otherwise). What each check found (paths,
   * counts, names) is shown with the admin key, or to everyone in open mode; others see each check's
   * status only.
   */
  @Get('ready')
  @ApiOkResponse({ type: HealthCheckDto })
  @ApiServiceUnavailableResponse({ type: HealthCheckDto })
  async ready(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<HealthCheckDto> {
    const result = await this.health.ready({ details: this.keys.grantsAdmin(presentedKey(request)) });
    response.status(result.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return result;
  }
}
