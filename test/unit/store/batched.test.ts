import { strict as assert } from 'node:assert';
import { Batched } from '../../../server/store/batched';

describe('calls in waves (Batched)', () => {
  it('submissions made while a flush is in flight go out together in the next one, in order, never overlapping', async () => {
    const flushes: number[][] = [];
    let inFlight = 0;
    const batched = new Batched<number, string>(async (items) => {
      inFlight += 1;
      assert.equal(inFlight, 1, 'flushes never overlap');
      flushes.push([...items]);
      await new Promise((resolve) => setTimeout(resolve, 10));
      inFlight -= 1;
      return items.map((item) => `done ${item}`);
    });
    const first = batched.submit(1);
    const rest = [2, 3, 4].map((item) => batched.submit(item));
    assert.deepEqual(await Promise.all([first, ...rest]), ['done 1', 'done 2', 'done 3', 'done 4']);
    assert.deepEqual(flushes, [[1], [2, 3, 4]]);
  });

  it('a failed flush fails its whole batch and only it; a bounded batch leaves the rest for the next flush', async () => {
    const flushes: number[][] = [];
    const batched = new Batched<number, number>(async (items) => {
      flushes.push([...items]);
      if (items.includes(2)) throw new Error('the database went away');
      return items;
    }, 2);
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((item) => batched.submit(item)));
    assert.deepEqual(flushes, [[1], [2, 3], [4, 5]]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled'],
    );
  });
});
