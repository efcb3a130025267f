import { EnvironmentState } from '../../variation-store/domain/environments';
import { routeRun } from './run-target';

const staging: EnvironmentState = { name: 'staging', variationId: 'v7', version: 7, canary: null, revision: 1 };
const split: EnvironmentState = { ...staging, canary: { variationId: 'v8', version: 8, percent: 20 } };

describe('routeRun', () => {
  it('sends every run to the primary without a split, drawing nothing', () => {
    expect(routeRun(staging, 1, undefined, () => 0)).toEqual({ variationId: 'v7', version: 7, environment: 'staging', routedTo: 'primary' });
  });

  it('sends the canary share to the canary version and records it', () => {
    expect(routeRun(split, 1, undefined, () => 0.1)).toEqual({ variationId: 'v8', version: 8, environment: 'staging', routedTo: 'canary' });
    expect(routeRun(split, 1, undefined, () => 0.5)).toEqual({ variationId: 'v7', version: 7, environment: 'staging', routedTo: 'primary' });
  });

  it('routes 10,000 routing keys within 2 points of the split, the same way each time', () => {
    const first = Array.from({ length: 10_000 }, (_, i) => routeRun(split, 9, `customer-${i}`, Math.random).routedTo);
    const again = Array.from({ length: 10_000 }, (_, i) => routeRun(split, 9, `customer-${i}`, Math.random).routedTo);
    expect(again).toEqual(first);
    const share = first.filter((side) => side === 'canary').length / 100;
    expect(Math.abs(share - 20)).toBeLessThanOrEqual(2);
  });
});
