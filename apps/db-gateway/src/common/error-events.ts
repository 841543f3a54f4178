import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';
import { Listeners } from './listeners';

/** Where the exception filter reports the code of each error it answers; metrics listen. */
@Injectable()
export class ErrorEvents extends Listeners<ErrorCode> {}
