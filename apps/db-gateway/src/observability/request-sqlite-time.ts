import { Injectable, OnModuleInit } from '@nestjs/common';
import { SqlWorkEvents } from '../data-plane/sql-work.events';
import { addSqliteTime } from './request-context';

/** Adds each statement's time to the request it ran for: the `sqlite` figure of its Server-Timing header. */
@Injectable()
export class RequestSqliteTime implements OnModuleInit {
  constructor(private readonly events: SqlWorkEvents) {}

  onModuleInit(): void {
    this.events.subscribe((event) => addSqliteTime(event.durationMs));
  }
}
