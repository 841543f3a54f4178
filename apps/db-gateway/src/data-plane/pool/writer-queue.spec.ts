import { setTimeout as sleep } from 'node:timers/promises';
import { WriterQueue } from './writer-queue';

/** A promise the test settles by hand, to hold a task open. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('WriterQueue', () => {
  let sut: WriterQueue;

  beforeEach(() => {
    sut = new WriterQueue();
  });

  it('runs tasks in arrival order even when earlier ones are slower', async () => {
    const finished: number[] = [];
    const delays = [30, 0, 15, 5, 0];
    await Promise.all(
      delays.map((delay, index) =>
        sut.run(async () => {
          await sleep(delay);
          finished.push(index);
        }),
      ),
    );
    expect(finished).toEqual([0, 1, 2, 3, 4]);
  });

  it('runs one task at a time', async () => {
    let running = 0;
    let mostAtOnce = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        sut.run(async () => {
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          await sleep(1);
          running--;
        }),
      ),
    );
    expect(mostAtOnce).toBe(1);
  });

  it('does not start a task before the previous one settles', async () => {
    const first = gate();
    let secondStarted = false;
    const firstDone = sut.run(() => first.opened);
    const secondDone = sut.run(async () => {
      secondStarted = true;
    });
    await sleep(10);
    expect(secondStarted).toBe(false);
    first.open();
    await Promise.all([firstDone, secondDone]);
    expect(secondStarted).toBe(true);
  });

  it('returns each task its own result', async () => {
    await expect(Promise.all([sut.run(async () => 'a'), sut.run(async () => 42)])).resolves.toEqual(['a', 42]);
  });

  it('rejects only the failing task and keeps running the next ones', async () => {
    const failing = sut.run(async () => {
      throw new Error('disk full');
    });
    const throwingSynchronously = sut.run(() => {
      throw new Error('bad task');
    });
    const next = sut.run(async () => 'still runs');
    await expect(failing).rejects.toThrow('disk full');
    await expect(throwingSynchronously).rejects.toThrow('bad task');
    await expect(next).resolves.toBe('still runs');
  });

  it('reports the tasks waiting or running as its depth', async () => {
    expect(sut.depth).toBe(0);
    const first = gate();
    const tasks = [
      sut.run(() => first.opened),
      sut.run(async () => {
        throw new Error('fails');
      }),
      sut.run(async () => undefined),
    ];
    expect(sut.depth).toBe(3);
    first.open();
    await Promise.allSettled(tasks);
    expect(sut.depth).toBe(0);
  });
});
