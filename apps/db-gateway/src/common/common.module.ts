import { Global, Module } from '@nestjs/common';
import { ErrorEvents } from './error-events';

/** What every layer may use: the events the exception filter publishes. */
@Global()
@Module({
  providers: [ErrorEvents],
  exports: [ErrorEvents],
})
export class CommonModule {}
