import { inBatches } from './in-batches';

describe('inBatches', () => {
  it('steps while a step handles a whole batch, and adds up what they handled', async () => {
    const backlog = [3, 3, 2];
    const sizes: number[] = [];
    const total = await inBatches(3, async (size) => {
      sizes.push(size);
      return backlog.shift() ?? 0;
    });
    expect({ total, sizes }).toEqual({ total: 8, sizes: [3, 3, 3] });
  });

  it('takes one more step after an exact multiple, which finds nothing', async () => {
    const backlog = [2, 2];
    let steps = 0;
    const total = await inBatches(2, async () => {
      steps++;
      return backlog.shift() ?? 0;
    });
    expect({ total, steps }).toEqual({ total: 4, steps: 3 });
  });
});

describe('inBatches over a long backlog', () => {
  it('stops after its batch limit, leaving the rest to the next call', async () => {
    let steps = 0;
    const total = await inBatches(10, async () => {
      steps++;
      return 10;
    }, 4);
    expect({ total, steps }).toEqual({ total: 40, steps: 4 });
  });
});
