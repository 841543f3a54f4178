/** Who listens to one kind of event, and telling them all: the one mechanism behind the gateway's events. */
export class Listeners<E> {
  private readonly listeners: ((event: E) => void)[] = [];

  subscribe(listener: (event: E) => void): void {
    this.listeners.push(listener);
  }

  publish(event: E): void {
    for (const listener of this.listeners) listener(event);
  }
}
