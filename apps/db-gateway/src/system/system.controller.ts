import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { StatusMessageDto } from '@dbforge/contracts';
import { PublicRoute } from '../auth/access.decorators';

const ONLINE: StatusMessageDto = { message: 'Praetorian DB-Forge is online.' };

@ApiTags('health')
@PublicRoute()
@Controller()
export class SystemController {
  /** Says the gateway is up (the v1 greeting). */
  @Get()
  @ApiOkResponse({ type: StatusMessageDto })
  root(): StatusMessageDto {
    return ONLINE;
  }
}
