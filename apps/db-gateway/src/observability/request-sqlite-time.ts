import { Injectable, OnModuleInit } from '@nestjs/common';
import { StatementEvents } from '../data-plane/statement-events';
import { addSqliteTime } from './request-context';

/** Adds each statement's time to the request it ran for: the `sqlite` figure of its Server-Timing header. */
@Injectable()
export class RequestSqliteTime implements OnModuleInit {
  constructor(private readonly events: StatementEvents) {}

  onModuleInit(): void {
    this.events.subscribe((event) => addSqliteTime(event.durationMs));
  }
}
