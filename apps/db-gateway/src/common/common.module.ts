import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';
import { ErrorEvents } from './error-events';

/** What every layer may use: the clock, and the events the exception filter publishes. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }, ErrorEvents],
  exports: [Clock, ErrorEvents],
})
export class CommonModule {}
