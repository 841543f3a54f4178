import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@dbforge/contracts';

type Listener = (code: ErrorCode) => void;

/** Where the exception filter reports the code of each error it answers; metrics listen. */
@Injectable()
export class ErrorEvents {
  private readonly listeners: Listener[] = [];

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
  }

  publish(code: ErrorCode): void {
    for (const listener of this.listeners) listener(code);
  }
}
