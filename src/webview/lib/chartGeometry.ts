/** Where the points of a line chart go. Pure (no DOM), so it is unit-tested. */

export interface ChartBox {
  width: number;
  height: number;
}

/**
 * A series as SVG polyline points, newest at the right edge, one step per slot of `capacity`
 * samples so the line scrolls left as samples arrive. `max` is the value at the top.
 */
export function linePoints(values: readonly number[], box: ChartBox, max: number, capacity: number): string {
  if (values.length === 0 || max <= 0) return '';
  const step = box.width / Math.max(1, capacity - 1);
  const start = box.width - step * (values.length - 1);
  return values
    .map((value, i) => {
      const x = start + step * i;
      const y = box.height - (Math.min(Math.max(value, 0), max) / max) * box.height;
      return `${round(x)},${round(y)}`;
    })
    .join(' ');
}

/** The same line closed along the bottom, to fill the area under it. */
export function areaPoints(values: readonly number[], box: ChartBox, max: number, capacity: number): string {
  const line = linePoints(values, box, max, capacity);
  if (!line) return '';
  const first = line.split(' ')[0]?.split(',')[0];
  return `${first},${box.height} ${line} ${box.width},${box.height}`;
}

/** A round top for the scale: 1, 2 or 5 times a power of ten, at least `value`. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 5, 10]) {
    if (factor * power >= value) return factor * power;
  }
  return 10 * power;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
