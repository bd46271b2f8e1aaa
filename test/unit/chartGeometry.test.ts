import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { areaPoints, linePoints, niceMax } from '../../src/webview/lib/chartGeometry';

const BOX = { width: 100, height: 50 };

describe('chart geometry', () => {
  it('puts the newest sample at the right edge, one slot apart, scaled to max', () => {
    assert.equal(linePoints([0, 50, 100], BOX, 100, 3), '0,50 50,25 100,0');
    assert.equal(linePoints([100], BOX, 100, 11), '100,0');
    assert.equal(linePoints([10, 20], BOX, 100, 11), '90,45 100,40');
  });

  it('clamps values outside 0..max and draws nothing without samples', () => {
    assert.equal(linePoints([-5, 500], BOX, 100, 2), '0,50 100,0');
    assert.equal(linePoints([], BOX, 100, 10), '');
    assert.equal(areaPoints([], BOX, 100, 10), '');
  });

  it('closes the area along the bottom', () => {
    assert.equal(areaPoints([0, 100], BOX, 100, 2), '0,50 0,50 100,0 100,50');
  });

  it('rounds the scale up to 1, 2 or 5 times a power of ten', () => {
    assert.deepEqual([0, 0.3, 1, 7, 12, 100, 101, 260].map(niceMax), [1, 0.5, 1, 10, 20, 100, 200, 500]);
  });
});
